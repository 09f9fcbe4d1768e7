//! Static information pages.

use crate::web::routes::{Routes, get};
use axum::extract::State;

use super::frame;
use super::session::Ctx;
use super::state::AppState;
use crate::views::info::PAGES;

pub fn routes() -> Routes {
    let mut router = Routes::new();
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
