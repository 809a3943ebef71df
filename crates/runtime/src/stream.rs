//! Streamed bodies: downloads read as they arrive ([`ByteStream`]), and
//! uploads from a stream, a file, or a multipart body whose parts are
//! streams or files ([`Upload`], [`StreamPart`]), never held whole in
//! memory.
//!
//! A file is opened again for each attempt, so a file upload is retried
//! like any other body (by the method's and the spec's rules). A stream
//! can be read only once: a request with a streamed body is sent at most
//! once — no retry after a 429, a 503 or a broken connection, and no
//! second attempt after a rejected credential (the credential is still
//! renewed for the next call). The call fails with the error it got.

use std::fmt;
use std::marker::PhantomData;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_core::Stream;
use futures_util::StreamExt as _;

use crate::error::Error;
use crate::validate::InvalidRequest;

/// A stream of byte chunks, boxed.
pub type BoxStream = Pin<Box<dyn Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static>>;

/// Bytes read from a file per chunk.
const FILE_CHUNK: usize = 64 * 1024;

/// A piece of a body.
#[derive(Clone)]
pub(crate) enum Piece {
    Bytes(Bytes),
    File(PathBuf),
    /// Taken by the one attempt that sends it.
    Stream {
        stream: Arc<Mutex<Option<BoxStream>>>,
        length: Option<u64>,
    },
}

/// A body sent from pieces: bytes, files (opened for each attempt) and
/// streams (sent once). Made by [`crate::Request::body_stream`],
/// [`crate::Request::body_file`] and [`crate::Request::multipart_stream`].
#[derive(Clone)]
pub struct Upload {
    pub(crate) pieces: Vec<Piece>,
}

impl fmt::Debug for Upload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Upload({} pieces)", self.pieces.len())
    }
}

impl Upload {
    /// Whether it can be sent again (no stream in it).
    pub(crate) fn resendable(&self) -> bool {
        !self
            .pieces
            .iter()
            .any(|p| matches!(p, Piece::Stream { .. }))
    }

    /// Opens it for one attempt: the body, and its length when every piece
    /// has a known one. A file that cannot be opened, or a stream already
    /// sent, fails the call before anything is sent.
    pub(crate) async fn open(&self) -> Result<(reqwest::Body, Option<u64>), InvalidRequest> {
        let mut streams: Vec<BoxStream> = Vec::with_capacity(self.pieces.len());
        let mut length = Some(0u64);
        for piece in &self.pieces {
            match piece {
                Piece::Bytes(bytes) => {
                    length = length.map(|l| l + bytes.len() as u64);
                    let bytes = bytes.clone();
                    streams.push(Box::pin(futures_util::stream::iter([Ok(bytes)])));
                }
                Piece::File(path) => {
                    let file = tokio::fs::File::open(path).await.map_err(|e| {
                        InvalidRequest::new("body", format!("cannot open {}: {e}", path.display()))
                    })?;
                    let size = file
                        .metadata()
                        .await
                        .map_err(|e| {
                            InvalidRequest::new(
                                "body",
                                format!("cannot read {}: {e}", path.display()),
                            )
                        })?
                        .len();
                    length = length.map(|l| l + size);
                    streams.push(file_stream(file, size));
                }
                Piece::Stream {
                    stream,
                    length: declared,
                } => {
                    let taken = stream
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .take()
                        .ok_or_else(|| {
                            InvalidRequest::new(
                                "body",
                                "a streamed body was sent already and cannot be sent again",
                            )
                        })?;
                    length = length.zip(*declared).map(|(a, b)| a + b);
                    streams.push(taken);
                }
            }
        }
        let all = futures_util::stream::iter(streams).flatten();
        Ok((
            reqwest::Body::wrap(SyncBody {
                stream: Mutex::new(Box::pin(all)),
            }),
            length,
        ))
    }
}

/// Reads `file` in chunks, `size` bytes at most (a file that grows while
/// sent does not outgrow the length announced).
fn file_stream(file: tokio::fs::File, size: u64) -> BoxStream {
    use tokio::io::AsyncReadExt as _;
    Box::pin(futures_util::stream::unfold(
        (file.take(size), false),
        |(mut file, done)| async move {
            if done {
                return None;
            }
            let mut buf = bytes::BytesMut::with_capacity(FILE_CHUNK);
            match file.read_buf(&mut buf).await {
                Ok(0) => None,
                Ok(_) => Some((Ok(buf.freeze()), (file, false))),
                Err(e) => Some((Err(e), (file, true))),
            }
        },
    ))
}

/// An `http_body::Body` over a stream that need not be `Sync` (reqwest
/// asks for `Sync`; the stream is only ever polled through `&mut`).
struct SyncBody {
    stream: Mutex<BoxStream>,
}

impl http_body::Body for SyncBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, std::io::Error>>> {
        let stream = self
            .get_mut()
            .stream
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner);
        stream
            .as_mut()
            .poll_next(cx)
            .map(|chunk| chunk.map(|r| r.map(http_body::Frame::data)))
    }
}

/// One part of a streamed `multipart/form-data` body
/// ([`crate::Request::multipart_stream`]).
pub struct StreamPart {
    name: String,
    file_name: Option<String>,
    content_type: Option<String>,
    body: Piece,
}

impl fmt::Debug for StreamPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamPart")
            .field("name", &self.name)
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .finish_non_exhaustive()
    }
}

impl StreamPart {
    /// A text field.
    pub fn text(name: impl Into<String>, value: impl Into<String>) -> Self {
        StreamPart {
            name: name.into(),
            file_name: None,
            content_type: None,
            body: Piece::Bytes(Bytes::from(value.into())),
        }
    }

    /// Bytes in memory (`application/octet-stream` unless
    /// [`StreamPart::content_type`] says otherwise).
    pub fn bytes(name: impl Into<String>, data: impl Into<Bytes>) -> Self {
        let name = name.into();
        StreamPart {
            file_name: Some(name.clone()),
            name,
            content_type: Some("application/octet-stream".to_owned()),
            body: Piece::Bytes(data.into()),
        }
    }

    /// A file, read as it is sent (opened again for each attempt); its
    /// file name is the path's.
    pub fn file(name: impl Into<String>, path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        StreamPart {
            name: name.into(),
            file_name: path.file_name().map(|n| n.to_string_lossy().into_owned()),
            content_type: Some("application/octet-stream".to_owned()),
            body: Piece::File(path),
        }
    }

    /// A stream, read as it is sent: the request is sent at most once.
    pub fn stream<S>(name: impl Into<String>, stream: S) -> Self
    where
        S: Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static,
    {
        let name = name.into();
        StreamPart {
            file_name: Some(name.clone()),
            name,
            content_type: Some("application/octet-stream".to_owned()),
            body: Piece::Stream {
                stream: Arc::new(Mutex::new(Some(Box::pin(stream)))),
                length: None,
            },
        }
    }

    /// Sets the file name sent in `Content-Disposition`.
    pub fn file_name(mut self, file_name: impl Into<String>) -> Self {
        self.file_name = Some(file_name.into());
        self
    }

    /// Sets the part's media type.
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }
}

/// The pieces of a multipart body of `parts` with `boundary` (RFC 7578):
/// each part's head as bytes, its body as given.
pub(crate) fn multipart_pieces(parts: Vec<StreamPart>, boundary: &str) -> Vec<Piece> {
    fn quoted(s: &str) -> String {
        s.replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace(['\r', '\n'], " ")
    }
    let mut pieces = Vec::with_capacity(parts.len() * 2 + 1);
    let mut head = String::new();
    for part in parts {
        head.push_str(&format!("--{boundary}\r\n"));
        head.push_str(&format!(
            "Content-Disposition: form-data; name=\"{}\"",
            quoted(&part.name)
        ));
        if let Some(file) = &part.file_name {
            head.push_str(&format!("; filename=\"{}\"", quoted(file)));
        }
        head.push_str("\r\n");
        if let Some(ct) = &part.content_type {
            head.push_str(&format!("Content-Type: {}\r\n", quoted(ct)));
        }
        head.push_str("\r\n");
        pieces.push(Piece::Bytes(Bytes::from(std::mem::take(&mut head))));
        pieces.push(part.body);
        head.push_str("\r\n");
    }
    head.push_str(&format!("--{boundary}--\r\n"));
    pieces.push(Piece::Bytes(Bytes::from(head)));
    pieces
}

/// A stream piece of `length` bytes, if known.
pub(crate) fn stream_piece<S>(stream: S, length: Option<u64>) -> Piece
where
    S: Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static,
{
    Piece::Stream {
        stream: Arc::new(Mutex::new(Some(Box::pin(stream)))),
        length,
    }
}

/// A response body read as it arrives ([`crate::Client::send_stream`]):
/// a `Stream` of chunks (use `futures_util::StreamExt::next`, or
/// [`ByteStream::next_chunk`]). The call's deadline still bounds it: a body
/// still arriving when it passes ends with [`Error::Timeout`].
pub struct ByteStream<E> {
    operation: &'static str,
    response: Option<reqwest::Response>,
    pending: Option<PendingChunk>,
    /// A chunk read already.
    ready: Option<Bytes>,
    _error: PhantomData<fn() -> E>,
}

type ChunkResult = (reqwest::Response, reqwest::Result<Option<Bytes>>);
type PendingChunk = Pin<Box<dyn std::future::Future<Output = ChunkResult> + Send>>;

impl<E> fmt::Debug for ByteStream<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ByteStream")
            .field("operation", &self.operation)
            .finish_non_exhaustive()
    }
}

impl<E> ByteStream<E> {
    pub(crate) fn new(operation: &'static str, response: reqwest::Response) -> Self {
        ByteStream {
            operation,
            response: Some(response),
            pending: None,
            ready: None,
            _error: PhantomData,
        }
    }

    /// A stream of a body read already.
    pub(crate) fn from_bytes(operation: &'static str, body: Bytes) -> Self {
        let mut stream = ByteStream {
            operation,
            response: None,
            pending: None,
            ready: None,
            _error: PhantomData,
        };
        if !body.is_empty() {
            stream.ready = Some(body);
        }
        stream
    }

    /// The next chunk, `None` at the end.
    pub async fn next_chunk(&mut self) -> Option<Result<Bytes, Error<E>>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }
}

impl<E> Stream for ByteStream<E> {
    type Item = Result<Bytes, Error<E>>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if let Some(ready) = this.ready.take() {
            return Poll::Ready(Some(Ok(ready)));
        }
        if this.pending.is_none() {
            let Some(mut response) = this.response.take() else {
                return Poll::Ready(None);
            };
            this.pending = Some(Box::pin(async move {
                let chunk = response.chunk().await;
                (response, chunk)
            }));
        }
        let Some(pending) = this.pending.as_mut() else {
            return Poll::Ready(None);
        };
        match pending.as_mut().poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready((response, chunk)) => {
                this.pending = None;
                match chunk {
                    Ok(Some(bytes)) => {
                        this.response = Some(response);
                        Poll::Ready(Some(Ok(bytes)))
                    }
                    Ok(None) => Poll::Ready(None),
                    Err(err) => Poll::Ready(Some(Err(crate::client::transport_error(
                        this.operation,
                        err,
                    )))),
                }
            }
        }
    }
}

// No field is pinned.
impl<E> Unpin for ByteStream<E> {}
