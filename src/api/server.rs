//! The HTTP listener: our own accept loop around hyper, so that slow and numerous clients are
//! bounded. A client gets `header_timeout` to send its request headers, at most
//! `max_connections` are open at once (connections over the limit are closed on accept, so the
//! listener never stops answering `/healthz` to the ones it keeps), and shutdown waits at most
//! `shutdown_grace` for open requests before it closes every connection.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use crate::config::ApiLimits;

/// Connections open now (for `/metrics`).
pub static OPEN_CONNECTIONS: AtomicUsize = AtomicUsize::new(0);

/// Serve `app` on `listener` until `shutdown` turns true; then stop accepting, let open
/// requests finish for up to `limits.shutdown_grace`, and close what is left.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ApiLimits,
    mut shutdown: watch::Receiver<bool>,
) {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let mut conns = JoinSet::new();
    loop {
        let accepted = tokio::select! {
            r = listener.accept() => r,
            _ = crate::app::daemon::stopped(&mut shutdown) => break,
        };
        while conns.try_join_next().is_some() {}
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Out of descriptors (EMFILE/ENFILE) or a reset before accept: wait a moment
                // rather than spin; connections already open keep being served.
                tracing::warn!(error = %e, "accept failed");
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_millis(50)) => continue,
                    _ = crate::app::daemon::stopped(&mut shutdown) => break,
                }
            }
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            // Over the limit: close at once (the client sees a reset, not a hang).
            crate::telemetry::metrics::add("tripwatch_http_connections_refused_total", &[], 1);
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let svc = TowerToHyperService::new(app.clone());
        let mut stop = shutdown.clone();
        let header_timeout = limits.header_timeout;
        conns.spawn(async move {
            let _permit = permit;
            OPEN_CONNECTIONS.fetch_add(1, Ordering::Relaxed);
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout)
                .serve_connection(TokioIo::new(stream), svc);
            tokio::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = crate::app::daemon::stopped(&mut stop) => {
                    // Finish the request in progress (if any), then close.
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.as_mut().await;
                }
            }
            OPEN_CONNECTIONS.fetch_sub(1, Ordering::Relaxed);
        });
    }
    drop(listener);
    let drained =
        tokio::time::timeout(limits.shutdown_grace, async { while conns.join_next().await.is_some() {} })
            .await;
    if drained.is_err() {
        tracing::warn!(
            connections = conns.len(),
            grace_secs = limits.shutdown_grace.as_secs(),
            "shutdown: closing connections still open"
        );
        conns.abort_all();
        while conns.join_next().await.is_some() {}
    }
}
