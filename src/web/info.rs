//! Static information pages.

use axum::Router;
use axum::extract::State;
use axum::routing::get;

use super::frame;
use super::session::Ctx;
use super::state::AppState;
use crate::views::info::PAGES;

pub fn routes() -> Router<AppState> {
    let mut router = Router::new();
    for (i, page) in PAGES.iter().enumerate() {
        router = router.route(
            page.path,
            get(move |State(state): State<AppState>, ctx: Ctx| async move {
                let p = &PAGES[i];
                frame::render(&ctx, &state, p.title, (p.body)())
            }),
        );
    }
    router
}
