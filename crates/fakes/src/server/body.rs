//! Bodies: a request body read within a size cap and a time limit, and the
//! response body type (whole, or padded by a `huge` fault without holding
//! the padding in memory).

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use http_body_util::BodyExt;
use hyper::HeaderMap;
use hyper::body::{Body, Bytes, Frame, SizeHint};

use super::Refusal;

/// Reads a request body: at most `max` bytes (a `Content-Length` above it
/// is refused before reading), all of it within `timeout`.
pub(crate) async fn read(
    mut body: hyper::body::Incoming,
    headers: &HeaderMap,
    max: usize,
    timeout: Duration,
) -> Result<Bytes, Refusal> {
    let declared = headers
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max as u64) {
        return Err(Refusal::PayloadTooLarge { limit: max });
    }
    let collect = async {
        let mut bytes = Vec::new();
        while let Some(frame) = body.frame().await {
            let Ok(frame) = frame else {
                // The client broke the body off: nothing to answer it with
                // but a timeout-like refusal.
                return Err(Refusal::Timeout);
            };
            if let Some(data) = frame.data_ref() {
                if bytes.len().saturating_add(data.len()) > max {
                    return Err(Refusal::PayloadTooLarge { limit: max });
                }
                bytes.extend_from_slice(data);
            }
        }
        Ok(Bytes::from(bytes))
    };
    match tokio::time::timeout(timeout, collect).await {
        Ok(result) => result,
        Err(_) => Err(Refusal::Timeout),
    }
}

/// 64 KiB of padding, streamed as often as a `huge` fault needs.
static PADDING: [u8; 64 * 1024] = [b'x'; 64 * 1024];

/// A response body: `head`, then `padding` bytes of `x`, then `tail`, with
/// an exact length (so `Content-Length` is always sent).
pub(crate) struct Payload {
    head: Bytes,
    padding: usize,
    tail: Bytes,
}

impl Payload {
    pub(crate) fn empty() -> Self {
        Payload::full(Bytes::new())
    }

    pub(crate) fn full(bytes: impl Into<Bytes>) -> Self {
        Payload {
            head: bytes.into(),
            padding: 0,
            tail: Bytes::new(),
        }
    }

    pub(crate) fn padded(head: impl Into<Bytes>, padding: usize, tail: impl Into<Bytes>) -> Self {
        Payload {
            head: head.into(),
            padding,
            tail: tail.into(),
        }
    }

    fn len(&self) -> u64 {
        (self.head.len() as u64)
            .saturating_add(self.padding as u64)
            .saturating_add(self.tail.len() as u64)
    }
}

impl Body for Payload {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = self.get_mut();
        let chunk = if !this.head.is_empty() {
            std::mem::take(&mut this.head)
        } else if this.padding > 0 {
            let n = this.padding.min(PADDING.len());
            this.padding -= n;
            Bytes::from_static(&PADDING[..n])
        } else if !this.tail.is_empty() {
            std::mem::take(&mut this.tail)
        } else {
            return Poll::Ready(None);
        };
        Poll::Ready(Some(Ok(Frame::data(chunk))))
    }

    fn is_end_stream(&self) -> bool {
        self.len() == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_padded_payload_streams_its_exact_length() {
        let payload = Payload::padded("{\"a\":1,\"x\":\"", 200_000, "\"}");
        assert_eq!(payload.size_hint().exact(), Some(12 + 200_000 + 2));
        let bytes = payload.collect().await.unwrap().to_bytes();
        assert_eq!(bytes.len(), 200_014);
        let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(value["x"].as_str().unwrap().len(), 200_000);
    }
}
