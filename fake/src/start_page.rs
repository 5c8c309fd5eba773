/*!
The start page of a start URL on "a company's own domain" (`GET /start`): a page, or a
redirect to the instance's access portal, from which a client reads the portal's region
(AWS CLI `customizations/sso/resolve.py`).
*/

use crate::errors::ApiError;
use crate::handler::Ctx;
use crate::http::{Request, Response};
use crate::settings::StartPage;
use crate::state::State;

/// Answers as [`StartPage`] says.
pub(crate) fn start_page(st: &mut State, _: &Ctx, _: &Request) -> Result<Response, ApiError> {
    Ok(match &st.settings.start_page {
        StartPage::Page => {
            Response::html(200, "<html><body><h1>AWS access portal</h1></body></html>")
        }
        StartPage::Redirect(status, location) => {
            let mut response = Response::redirect(location);
            response.status = *status;
            response
        }
    })
}
