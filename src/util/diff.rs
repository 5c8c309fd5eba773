/*!
A small unified diff for `generate --write --dry-run`. Only the managed block
changes, so common leading and trailing lines are trimmed and the middle is
compared with a longest-common-subsequence table when it is small, or shown as
a plain replacement when it is not.
*/

/// Largest middle part (old × new lines) compared line by line.
const LCS_LIMIT: usize = 4_000_000;
const CONTEXT: usize = 3;

/// A unified diff of `old` → `new` labelled with `name`; empty when equal.
pub fn unified(old: &str, new: &str, name: &str) -> String {
    if old == new {
        return String::new();
    }
    let a: Vec<&str> = old.split_inclusive('\n').collect();
    let b: Vec<&str> = new.split_inclusive('\n').collect();
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (mid_a, mid_b) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);
    let ops = if mid_a.len() * mid_b.len() <= LCS_LIMIT {
        lcs_ops(mid_a, mid_b)
    } else {
        mid_a
            .iter()
            .map(|l| ('-', *l))
            .chain(mid_b.iter().map(|l| ('+', *l)))
            .collect()
    };
    let before = &a[prefix.saturating_sub(CONTEXT)..prefix];
    let after = &a[a.len() - suffix..(a.len() - suffix + CONTEXT.min(suffix))];
    let old_len = before.len() + mid_a.len() + after.len();
    let new_len = before.len() + mid_b.len() + after.len();
    let start = prefix - before.len();
    let mut out = format!(
        "--- {name}\n+++ {name} (generated)\n@@ -{},{old_len} +{},{new_len} @@\n",
        start + 1,
        start + 1
    );
    let mut line = |tag: char, text: &str| {
        out.push(tag);
        out.push_str(text);
        if !text.ends_with('\n') {
            out.push_str("\n\\ No newline at end of file\n");
        }
    };
    before.iter().for_each(|l| line(' ', l));
    ops.iter().for_each(|(t, l)| line(*t, l));
    after.iter().for_each(|l| line(' ', l));
    out
}

fn lcs_ops<'a>(a: &[&'a str], b: &[&'a str]) -> Vec<(char, &'a str)> {
    let (n, m) = (a.len(), b.len());
    let mut table = vec![0u32; (n + 1) * (m + 1)];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            table[i * (m + 1) + j] = if a[i] == b[j] {
                table[(i + 1) * (m + 1) + j + 1] + 1
            } else {
                table[(i + 1) * (m + 1) + j].max(table[i * (m + 1) + j + 1])
            };
        }
    }
    let (mut i, mut j, mut ops) = (0, 0, Vec::new());
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            ops.push((' ', a[i]));
            i += 1;
            j += 1;
        } else if i < n && (j == m || table[(i + 1) * (m + 1) + j] >= table[i * (m + 1) + j + 1]) {
            ops.push(('-', a[i]));
            i += 1;
        } else {
            ops.push(('+', b[j]));
            j += 1;
        }
    }
    ops
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_only_the_change_with_context() {
        let old = "a\nb\nc\nd\ne\nf\ng\n";
        let new = "a\nb\nc\nd\nX\nf\ng\n";
        assert_eq!(
            unified(old, new, "cfg"),
            "--- cfg\n+++ cfg (generated)\n@@ -2,6 +2,6 @@\n b\n c\n d\n-e\n+X\n f\n g\n"
        );
        assert_eq!(unified(old, old, "cfg"), "");
    }

    #[test]
    fn appended_block() {
        let d = unified("a\n", "a\n\nb\n", "f");
        assert_eq!(d, "--- f\n+++ f (generated)\n@@ -1,1 +1,3 @@\n a\n+\n+b\n");
    }
}
