//! The framework ceiling for the load benchmarks: the same actix-web server and worker count as
//! `kaidan serve`, with no middleware, no database and one handler that answers a small JSON
//! body. scripts/bench prints every endpoint's rate as a ratio to this one.

use actix_web::{get, App, HttpResponse, HttpServer};

#[get("/noop")]
async fn noop() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"ok": true}))
}

/// Serves `GET /noop` on `host:port` (port 0: any free port) until stopped; prints the address.
pub async fn run(host: &str, port: u16, workers: usize) -> anyhow::Result<()> {
    let mut server = HttpServer::new(|| App::new().service(noop)).bind((host, port))?;
    if workers > 0 {
        server = server.workers(workers);
    }
    for addr in server.addrs() {
        println!("noop server on http://{addr}/noop");
    }
    server.run().await?;
    Ok(())
}
