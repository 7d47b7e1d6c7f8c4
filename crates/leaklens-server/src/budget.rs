//! Fairness under hostile clients: the memory held by request bodies being
//! received is bounded in bytes (not in connections), and one client can
//! have only so many requests in flight.
//!
//! Bounding uploads by a count of slots let twenty connections that send a
//! byte every ten seconds hold every slot and block every other upload and
//! live append. Bodies are now counted byte by byte as they arrive, against
//! one budget for the whole server: a trickle holds almost nothing, and
//! only the bytes really buffered can exhaust the budget (then 503, retry).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body::{Body as HttpBody, Frame, SizeHint};
use leaklens_protocol::ErrorBody;

/// Bytes of request bodies the server holds at once, all requests together.
#[derive(Debug)]
pub struct Budget {
    limit: usize,
    used: AtomicUsize,
}

impl Budget {
    pub fn new(limit: usize) -> Arc<Budget> {
        Arc::new(Budget {
            limit,
            used: AtomicUsize::new(0),
        })
    }

    /// Bytes held now.
    pub fn used(&self) -> usize {
        self.used.load(Ordering::Relaxed)
    }
}

/// What one request has taken from the budget; given back when both the
/// body and the request's handling are done (the handler holds the bytes
/// it read until it answers).
struct Reservation {
    budget: Arc<Budget>,
    taken: AtomicUsize,
}

impl Reservation {
    fn take(&self, n: usize) -> bool {
        let b = &self.budget;
        let before = b.used.fetch_add(n, Ordering::AcqRel);
        if before.saturating_add(n) > b.limit {
            b.used.fetch_sub(n, Ordering::AcqRel);
            return false;
        }
        self.taken.fetch_add(n, Ordering::AcqRel);
        true
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        self.budget
            .used
            .fetch_sub(*self.taken.get_mut(), Ordering::AcqRel);
    }
}

/// The server holds as many bytes of request bodies as it can: this one
/// must wait (503 with Retry-After).
#[derive(Debug)]
pub struct Busy;

impl std::fmt::Display for Busy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the server is receiving as much as it can hold")
    }
}

impl std::error::Error for Busy {}

/// A request body counted against the budget as its frames arrive.
struct Counted {
    inner: Body,
    reservation: Arc<Reservation>,
}

impl HttpBody for Counted {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if let Poll::Ready(Some(Ok(frame))) = &polled {
            let n = frame.data_ref().map_or(0, Bytes::len);
            if n > 0 && !self.reservation.take(n) {
                return Poll::Ready(Some(Err(axum::Error::new(Busy))));
            }
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Middleware: counts the request's body against the budget.
pub async fn count_bodies(State(budget): State<Arc<Budget>>, req: Request, next: Next) -> Response {
    let reservation = Arc::new(Reservation {
        budget,
        taken: AtomicUsize::new(0),
    });
    let (parts, body) = req.into_parts();
    let body = Body::new(Counted {
        inner: body,
        reservation: reservation.clone(),
    });
    let response = next.run(Request::from_parts(parts, body)).await;
    drop(reservation);
    response
}

/// True when `e`, or an error in its chain of causes, is an `E` (the
/// budget's refusal, a body timeout: axum wraps them in its own errors).
pub fn caused_by<E: std::error::Error + 'static>(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(e);
    while let Some(c) = cause {
        if c.is::<E>() {
            return true;
        }
        cause = c.source();
    }
    false
}

/// Requests in flight per client address, capped.
#[derive(Debug)]
pub struct PerClient {
    limit: usize,
    in_flight: Mutex<HashMap<IpAddr, usize>>,
}

impl PerClient {
    pub fn new(limit: usize) -> Arc<PerClient> {
        Arc::new(PerClient {
            limit,
            in_flight: Mutex::new(HashMap::new()),
        })
    }

    /// A place for one more request (or stream) of `ip`, held until the
    /// returned guard is dropped; None when `ip` has all it may.
    pub fn enter(self: &Arc<Self>, ip: IpAddr) -> Option<Leave> {
        let mut map = self.in_flight.lock().unwrap_or_else(|e| e.into_inner());
        let n = map.entry(ip).or_insert(0);
        if *n >= self.limit {
            return None;
        }
        *n += 1;
        Some(Leave {
            clients: self.clone(),
            ip,
        })
    }
}

pub struct Leave {
    clients: Arc<PerClient>,
    ip: IpAddr,
}

impl Drop for Leave {
    fn drop(&mut self) {
        let mut map = self
            .clients
            .in_flight
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(n) = map.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                map.remove(&self.ip);
            }
        }
    }
}

/// Middleware: at most `limit` requests of one client address at once; more
/// get 429 at once (a flood of one client does not queue the others out).
/// Requests without a peer address (in-process tests) are not counted.
pub async fn cap_per_client(
    State(clients): State<Arc<PerClient>>,
    req: Request,
    next: Next,
) -> Response {
    let ip = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let _leave = match ip {
        Some(ip) => match clients.enter(ip) {
            Some(leave) => Some(leave),
            None => {
                return (
                    axum::http::StatusCode::TOO_MANY_REQUESTS,
                    [(axum::http::header::RETRY_AFTER, "1")],
                    axum::Json(ErrorBody {
                        error: "too many requests in flight from this address".into(),
                    }),
                )
                    .into_response()
            }
        },
        None => None,
    };
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_is_given_back_when_the_request_is_done() {
        let b = Budget::new(100);
        let r = Arc::new(Reservation {
            budget: b.clone(),
            taken: AtomicUsize::new(0),
        });
        assert!(r.take(60));
        assert!(!r.take(50), "over the budget");
        assert!(r.take(40));
        assert_eq!(b.used(), 100);
        drop(r);
        assert_eq!(b.used(), 0);
    }

    #[test]
    fn one_client_is_capped_and_leaving_frees_its_place() {
        let c = PerClient::new(2);
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        let a = c.enter(ip).unwrap();
        let _b = c.enter(ip).unwrap();
        assert!(c.enter(ip).is_none());
        assert!(c.enter("10.0.0.2".parse().unwrap()).is_some());
        drop(a);
        assert!(c.enter(ip).is_some());
    }
}

/// Writes (uploads, run creations, appends, deletes) per client address:
/// a token bucket of `burst` writes refilled at `per_minute`. A worker
/// appending every few seconds stays far below it; a script flooding the
/// store does not.
#[derive(Debug)]
pub struct WriteRate {
    per_minute: f64,
    burst: f64,
    buckets: Mutex<HashMap<IpAddr, (f64, std::time::Instant)>>,
}

impl WriteRate {
    pub fn new(per_minute: u32, burst: u32) -> Arc<WriteRate> {
        Arc::new(WriteRate {
            per_minute: f64::from(per_minute),
            burst: f64::from(burst.max(1)),
            buckets: Mutex::new(HashMap::new()),
        })
    }

    /// Takes one write of `ip` now; false when its bucket is empty.
    pub fn allow(&self, ip: IpAddr, now: std::time::Instant) -> bool {
        let mut map = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        // Forget full buckets now and then (bounded memory).
        if map.len() > 10_000 {
            let (rate, burst) = (self.per_minute, self.burst);
            map.retain(|_, (tokens, at)| {
                *tokens + now.duration_since(*at).as_secs_f64() * rate / 60.0 < burst
            });
        }
        let (tokens, at) = map.entry(ip).or_insert((self.burst, now));
        let refill = now.duration_since(*at).as_secs_f64() * self.per_minute / 60.0;
        *tokens = (*tokens + refill).min(self.burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Middleware: 429 for a client over its write rate (reads are not counted).
pub async fn limit_writes(
    State(rate): State<Arc<WriteRate>>,
    req: Request,
    next: Next,
) -> Response {
    use axum::http::Method;
    let write = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let ip = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    if let (true, Some(ip)) = (write, ip) {
        if !rate.allow(ip, std::time::Instant::now()) {
            return (
                axum::http::StatusCode::TOO_MANY_REQUESTS,
                [(axum::http::header::RETRY_AFTER, "5")],
                axum::Json(ErrorBody {
                    error: "too many writes from this address: slow down".into(),
                }),
            )
                .into_response();
        }
    }
    next.run(req).await
}

#[cfg(test)]
mod rate_tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[test]
    fn a_burst_then_the_rate() {
        let r = WriteRate::new(60, 3);
        let ip: IpAddr = "10.0.0.9".parse().unwrap();
        let t = Instant::now();
        assert!(r.allow(ip, t) && r.allow(ip, t) && r.allow(ip, t));
        assert!(!r.allow(ip, t), "the burst is spent");
        assert!(r.allow("10.0.0.8".parse().unwrap(), t), "others unaffected");
        assert!(
            r.allow(ip, t + Duration::from_secs(1)),
            "one a second comes back"
        );
        assert!(!r.allow(ip, t + Duration::from_secs(1)));
    }
}
