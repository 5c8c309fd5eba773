/*!
Which Identity Center instance an `admin` command works on: `--instance-arn`,
or the only one in the region.
*/

use crate::aws::admin::{Admin, Instance};
use crate::error::{Error, Result};

/// The instance a command works on, with its identity store.
pub struct Scope {
    /// The instance ARN.
    pub instance_arn: String,
    /// Its identity store id (empty when not needed and not fetched).
    pub identity_store_id: String,
}

/// Picks the instance: `--instance-arn` (ListInstances is skipped when the
/// identity store is not needed), else the only one in the region.
pub(super) fn scope(admin: &Admin, arn: Option<&str>, need_store: bool) -> Result<Scope> {
    if let (Some(arn), false) = (arn, need_store) {
        return Ok(Scope {
            instance_arn: arn.to_string(),
            identity_store_id: String::new(),
        });
    }
    let instance = pick_instance(admin, arn)?;
    Ok(Scope {
        instance_arn: instance.instance_arn,
        identity_store_id: instance.identity_store_id,
    })
}

fn pick_instance(admin: &Admin, arn: Option<&str>) -> Result<Instance> {
    let mut all = admin.list_instances()?;
    let region = admin.region();
    let listed = |all: &[Instance]| {
        all.iter()
            .map(|i| i.instance_arn.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match arn {
        Some(arn) => match all.iter().position(|i| i.instance_arn == arn) {
            Some(i) => Ok(all.swap_remove(i)),
            None => Err(Error::NotFound(format!(
                "no Identity Center instance {arn} in {region} (found: {})",
                if all.is_empty() {
                    "none".to_string()
                } else {
                    listed(&all)
                }
            ))),
        },
        None => match all.len() {
            0 => Err(Error::NotFound(format!(
                "no Identity Center instance in {region}; use --region with the instance's home region"
            ))),
            1 => Ok(all.remove(0)),
            _ => Err(Error::Usage(format!(
                "several Identity Center instances in {region}: {}; choose one with --instance-arn",
                listed(&all)
            ))),
        },
    }
}
