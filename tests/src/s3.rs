//! An S3-compatible server for the attachment tests: moto's server mode (PyPI, installed by
//! `scripts/setup test` into `.tools/moto`), one process per test on a free port, stopped when
//! the handle drops.

use std::process::{Child, Command, Stdio};

pub struct S3Server {
    child: Child,
    /// `http://127.0.0.1:<port>`
    pub endpoint: String,
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl S3Server {
    /// Starts a server and makes `bucket` in it.
    pub async fn start(bucket: &str) -> S3Server {
        let bin =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../.tools/moto/bin/moto_server");
        assert!(
            bin.is_file(),
            "{} is missing: run scripts/setup test",
            bin.display()
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(bin)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server starts");
        let server = S3Server {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        let client = reqwest::Client::new();
        for _ in 0..300 {
            if client.get(&server.endpoint).send().await.is_ok() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        // moto takes an unsigned request to make a bucket.
        let r = client
            .put(format!("{}/{bucket}", server.endpoint))
            .send()
            .await
            .expect("moto answers");
        assert!(r.status().is_success(), "bucket made: {}", r.status());
        server
    }
}
