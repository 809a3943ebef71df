//! Support for Dialtone's workspace tests: a loopback HTTP server that
//! records every request it receives and answers with queued responses.
//!
//! The repository README is included below so that its code example is
//! compiled as a doctest.
#![doc = include_str!("../../README.md")]

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::IntoResponse;

/// How a [`corpus_cargo`] run failed.
#[derive(Debug)]
pub enum CargoError {
    /// It ended unsuccessfully: its stderr.
    Failed(String),
    /// It ran past its time and was killed.
    TimedOut,
}

/// Runs `cargo ARGS` in `dir` (a crate outside the workspace) with the
/// target directory and flags the corpus, changes and conformance tests
/// share (`target/corpus`, `RUSTFLAGS=-D warnings`), so the runtime and
/// its dependencies are built once for all three. Polled at most
/// `timeout / 100ms` times and killed past `timeout`; its stdout and how
/// long it took. Both pipes are read as it runs, so a long stderr cannot
/// stall it.
pub fn corpus_cargo(
    dir: &Path,
    args: &[&str],
    timeout: std::time::Duration,
) -> Result<(String, std::time::Duration), CargoError> {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let started = std::time::Instant::now();
    let mut child = Command::new(env!("CARGO"))
        .args(args)
        .env("CARGO_TARGET_DIR", workspace_root().join("target/corpus"))
        .env("RUSTFLAGS", "-D warnings")
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| CargoError::Failed(e.to_string()))?;
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_string(&mut text);
            }
            text
        })
    };
    let out = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => {}
            Err(e) => return Err(CargoError::Failed(e.to_string())),
        }
        if started.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            return Err(CargoError::TimedOut);
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    let (out, err) = (
        out.join().unwrap_or_default(),
        err.join().unwrap_or_default(),
    );
    if status.success() {
        Ok((out, started.elapsed()))
    } else {
        Err(CargoError::Failed(err))
    }
}

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ lives one level below the root")
        .to_owned()
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Captured {
    pub method: String,
    pub path_and_query: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Captured {
    /// The value of header `name`.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The request as text for a snapshot: method, path and query, headers
    /// (sorted, `host` left out, `secret_headers` masked) and the body
    /// (pretty JSON when it is JSON).
    pub fn render(&self, secret_headers: &[&str]) -> String {
        let mut out = format!("{} {}\n", self.method, self.path_and_query);
        let mut headers = self.headers.clone();
        headers.sort();
        for (name, value) in headers {
            if name == "host" {
                continue;
            }
            let value = if secret_headers.contains(&name.as_str()) {
                "***".to_owned()
            } else {
                value
            };
            out.push_str(&format!("{name}: {value}\n"));
        }
        if !self.body.is_empty() {
            out.push('\n');
            match serde_json::from_slice::<serde_json::Value>(&self.body) {
                Ok(json) => {
                    out.push_str(&serde_json::to_string_pretty(&json).expect("JSON values print"))
                }
                Err(_) => out.push_str(&String::from_utf8_lossy(&self.body)),
            }
            out.push('\n');
        }
        out
    }
}

/// A queued answer: status, extra headers, body.
struct Canned {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

#[derive(Default)]
struct State {
    requests: Mutex<Vec<Captured>>,
    responses: Mutex<VecDeque<Canned>>,
}

/// A server on 127.0.0.1 that records requests and answers each with the
/// next queued response (500 when none is queued).
pub struct CaptureServer {
    base: String,
    state: Arc<State>,
    task: tokio::task::JoinHandle<()>,
}

impl CaptureServer {
    /// Starts the server on an ephemeral loopback port.
    pub async fn start() -> Self {
        let state = Arc::new(State::default());
        let shared = state.clone();
        let app = axum::Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let state = shared.clone();
                async move { handle(&state, method, uri, headers, body) }
            },
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("serve");
        });
        CaptureServer {
            base: format!("http://{addr}"),
            state,
            task,
        }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// Queues a JSON response.
    pub fn respond(&self, status: u16, body: serde_json::Value) {
        self.respond_with(status, &[], body.to_string());
    }

    /// Queues a response with headers and a raw body.
    pub fn respond_with(&self, status: u16, headers: &[(&str, &str)], body: String) {
        let headers = headers
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect();
        self.state.responses.lock().unwrap().push_back(Canned {
            status,
            headers,
            body,
        });
    }

    /// Every request received so far, oldest first; clears the record.
    pub fn take(&self) -> Vec<Captured> {
        std::mem::take(&mut *self.state.requests.lock().unwrap())
    }
}

impl Drop for CaptureServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn handle(
    state: &State,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> axum::response::Response {
    let captured = Captured {
        method: method.to_string(),
        path_and_query: uri
            .path_and_query()
            .map(|p| p.to_string())
            .unwrap_or_default(),
        headers: headers
            .iter()
            .map(|(n, v)| {
                (
                    n.to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: body.to_vec(),
    };
    state.requests.lock().unwrap().push(captured);
    let Canned {
        status,
        headers: extra,
        body,
    } = state
        .responses
        .lock()
        .unwrap()
        .pop_front()
        .unwrap_or(Canned {
            status: 500,
            headers: Vec::new(),
            body: r#"{"error":"no response queued"}"#.to_owned(),
        });
    let mut response_headers = HeaderMap::new();
    response_headers.insert("content-type", "application/json".parse().unwrap());
    for (name, value) in extra {
        response_headers.insert(
            axum::http::HeaderName::try_from(name).unwrap(),
            value.parse().unwrap(),
        );
    }
    (
        StatusCode::from_u16(status).unwrap(),
        response_headers,
        body,
    )
        .into_response()
}
