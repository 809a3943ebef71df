//! The network side: the accept loop with its connection limit, one HTTP/1
//! connection per request with read timeouts and an overall deadline, a
//! lingering close (so a refused upload still reads its answer), and
//! streams that faults can drop or cut.

use std::convert::Infallible;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::faults::Stage;
use super::serve::Shared;
use super::{Refusal, Reply};
use crate::Options;

/// The largest request head (request line and headers) read; a larger one
/// gets HTTP's own 431 or 414.
const MAX_HEAD_BYTES: usize = 64 * 1024;
/// How many over-limit connections are answered (with the vendor's 503) at
/// once; past that they are closed unanswered.
const MAX_REFUSING: usize = 32;
/// How long a closing connection keeps reading what the client still sends.
const LINGER: Duration = Duration::from_secs(2);
/// How much it reads at most.
const LINGER_BYTES: usize = 8 << 20;
/// Time allowed for writing an answer, on top of the read timeouts and the
/// longest `slow` fault.
const WRITE_ALLOWANCE: Duration = Duration::from_secs(30);

/// What the network side needs from [`Options`].
pub(crate) struct NetSettings {
    read_timeout: Duration,
    max_connections: usize,
}

impl From<&Options> for NetSettings {
    fn from(options: &Options) -> Self {
        NetSettings {
            read_timeout: options.read_timeout,
            max_connections: options.max_connections,
        }
    }
}

/// Accepts connections for ever; each is served on its own task.
pub(crate) async fn accept_loop(listener: TcpListener, shared: Arc<Shared>, settings: NetSettings) {
    let settings = Arc::new(settings);
    let permits = Arc::new(Semaphore::new(settings.max_connections));
    let refusing = Arc::new(Semaphore::new(MAX_REFUSING));
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(_) => {
                // Out of file descriptors, or the like: wait, do not spin.
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        if shared.faults.next(Stage::Accept).is_some() {
            drop(stream);
            continue;
        }
        if let Ok(permit) = permits.clone().try_acquire_owned() {
            tokio::spawn(connection(stream, shared.clone(), settings.clone(), permit));
        } else if let Ok(permit) = refusing.clone().try_acquire_owned() {
            tokio::spawn(refuse_busy(stream, shared.clone(), permit));
        }
    }
}

/// Serves one connection (one request: answers say `connection: close`).
async fn connection(
    stream: TcpStream,
    shared: Arc<Shared>,
    settings: Arc<NetSettings>,
    _permit: OwnedSemaphorePermit,
) {
    let control = Arc::new(ConnControl::new());
    let io = TokioIo::new(Guarded::new(stream, control.clone()));
    let service = service_fn(move |request| {
        let shared = shared.clone();
        let control = control.clone();
        async move { Ok::<_, Infallible>(shared.serve(&control, request).await) }
    });
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(settings.read_timeout)
        .keep_alive(false)
        .max_header_size(MAX_HEAD_BYTES)
        .max_buf_size(MAX_HEAD_BYTES);
    let served = builder.serve_connection(io, service).without_shutdown();
    // Reading the head, then the body, then the slowest fault, then writing.
    let deadline = settings.read_timeout * 2 + super::MAX_SLOW + WRITE_ALLOWANCE;
    if let Ok(Ok(parts)) = tokio::time::timeout(deadline, served).await {
        linger(parts.io.into_inner().inner).await;
    }
}

/// Closes our side, then reads (and drops) what the client still sends for
/// a moment, so that it reads our answer instead of a reset.
async fn linger(mut stream: TcpStream) {
    let _ = stream.shutdown().await;
    let deadline = tokio::time::Instant::now() + LINGER;
    let mut buf = [0u8; 16 * 1024];
    let mut left = LINGER_BYTES;
    while left > 0 {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => left = left.saturating_sub(n),
            _ => break,
        }
    }
}

/// A connection past the limit: the vendor's 503 with `Retry-After: 1`,
/// written raw (the request is not read), then closed.
async fn refuse_busy(mut stream: TcpStream, shared: Arc<Shared>, _permit: OwnedSemaphorePermit) {
    let reply = shared.vendor.refuse(&Refusal::Unavailable {
        retry_after: Some(1),
    });
    if shared.settings.log {
        println!(
            "{}: refused a connection: too many at once -> {}",
            shared.vendor.name(),
            reply.status
        );
    }
    let bytes = raw_response(&reply);
    if let Ok(Ok(())) = tokio::time::timeout(Duration::from_secs(1), stream.write_all(&bytes)).await
    {
        linger(stream).await;
    }
}

/// A reply as HTTP/1.1 bytes.
fn raw_response(reply: &Reply) -> Vec<u8> {
    let status =
        hyper::StatusCode::from_u16(reply.status).unwrap_or(hyper::StatusCode::SERVICE_UNAVAILABLE);
    let body = reply
        .body
        .as_ref()
        .map(serde_json::Value::to_string)
        .unwrap_or_default();
    let mut head = format!(
        "HTTP/1.1 {} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or(""),
        body.len()
    );
    for (name, value) in &reply.headers {
        let valid = hyper::header::HeaderName::try_from(name.as_str()).is_ok()
            && hyper::header::HeaderValue::try_from(value.as_str()).is_ok();
        if valid {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body.as_bytes());
    bytes
}

/// What the serving side can do to its connection: drop it (`drop-after`)
/// or cut the answer's body (`truncated`).
pub(crate) struct ConnControl {
    killed: AtomicBool,
    /// Body bytes to let through (`usize::MAX`: all).
    body_budget: AtomicUsize,
}

impl ConnControl {
    fn new() -> Self {
        ConnControl {
            killed: AtomicBool::new(false),
            body_budget: AtomicUsize::new(usize::MAX),
        }
    }

    /// Closes the connection without an answer.
    pub(crate) fn kill(&self) {
        self.killed.store(true, Ordering::SeqCst);
    }

    /// Sends the answer's head and `bytes` bytes of its body, then closes.
    pub(crate) fn truncate_body_after(&self, bytes: usize) {
        self.body_budget.store(bytes, Ordering::SeqCst);
    }
}

/// A TCP stream whose writes obey its [`ConnControl`]: none once killed;
/// once a body budget is set, the head and that many body bytes, then none
/// (the writer sees a broken pipe and drops the connection).
struct Guarded {
    inner: TcpStream,
    control: Arc<ConnControl>,
    /// How much of the `\r\n\r\n` that ends the head has been written.
    head_end: u8,
    body_written: usize,
}

impl Guarded {
    fn new(inner: TcpStream, control: Arc<ConnControl>) -> Self {
        Guarded {
            inner,
            control,
            head_end: 0,
            body_written: 0,
        }
    }

    /// How many of `buf`'s bytes may be written now.
    fn allowed(&self, buf: &[u8]) -> usize {
        let budget = self.control.body_budget.load(Ordering::SeqCst);
        if budget == usize::MAX {
            return buf.len();
        }
        let mut progress = self.head_end;
        let mut head_bytes = 0;
        while progress < 4 && head_bytes < buf.len() {
            progress = next_progress(progress, buf[head_bytes]);
            head_bytes += 1;
        }
        if progress < 4 {
            return buf.len();
        }
        let body_left = budget.saturating_sub(self.body_written);
        head_bytes + body_left.min(buf.len() - head_bytes)
    }

    /// Accounts for `written` bytes.
    fn advance(&mut self, written: &[u8]) {
        for byte in written {
            if self.head_end < 4 {
                self.head_end = next_progress(self.head_end, *byte);
            } else {
                self.body_written += 1;
            }
        }
    }
}

/// Progress through `\r\n\r\n` after one more byte.
fn next_progress(progress: u8, byte: u8) -> u8 {
    const END: &[u8; 4] = b"\r\n\r\n";
    if END[usize::from(progress)] == byte {
        progress + 1
    } else if byte == b'\r' {
        1
    } else {
        0
    }
}

fn broken() -> io::Error {
    io::Error::new(io::ErrorKind::BrokenPipe, "closed by an injected fault")
}

impl AsyncRead for Guarded {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for Guarded {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.control.killed.load(Ordering::SeqCst) {
            return Poll::Ready(Err(broken()));
        }
        let allowed = this.allowed(buf);
        if allowed == 0 && !buf.is_empty() {
            this.control.kill();
            return Poll::Ready(Err(broken()));
        }
        let result = Pin::new(&mut this.inner).poll_write(cx, &buf[..allowed]);
        if let Poll::Ready(Ok(written)) = &result {
            this.advance(&buf[..*written]);
        }
        result
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::next_progress;

    #[test]
    fn the_end_of_the_head_is_found_across_writes() {
        let mut progress = 0;
        for byte in b"HTTP/1.1 200 OK\r\na: b\r\n\r" {
            progress = next_progress(progress, *byte);
        }
        assert_eq!(progress, 3);
        assert_eq!(next_progress(progress, b'\n'), 4);
        let mut progress = 0;
        for byte in b"\r\n\r\r\n\r\n" {
            progress = next_progress(progress, *byte);
        }
        assert_eq!(progress, 4);
    }
}
