//! What handlers and middleware read off a request, each in its own room: the request id, the
//! bearer token, the client's address (behind trusted proxies) and `If-Match`. The `auth` module
//! builds the signed-in user from these; it never reaches into the middleware.

pub mod bearer;
pub mod client_addr;
pub mod if_match;
pub mod request_id;
