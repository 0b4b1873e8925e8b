//! What the server hosts besides the API's resources: the web app (`spa`), the API docs and spec
//! (`docs`), health and metrics (`health`), the content security policy (`csp`) with the map tiles'
//! origin it allows (`tiles`), and the refusal of methods a path does not have (`allowed`).

pub mod allowed;
pub mod csp;
pub mod docs;
pub mod health;
pub mod spa;
pub mod tiles;
