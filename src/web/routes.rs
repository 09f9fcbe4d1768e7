//! The route list the router is built from. Every area adds its routes to
//! a [`Routes`] with [`get`] and [`post`] (named like axum's), which record
//! each (method, path) as they build the axum router; so the list the
//! authorization matrix test checks (`web::route_table`) is the router's
//! own, and no route can be served without being listed.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{self, MethodRouter};

use super::state::AppState;

/// The handlers of one path, with the methods they answer.
pub struct Methods {
    router: MethodRouter<AppState>,
    methods: Vec<Method>,
}

/// A GET handler (axum answers HEAD with it too).
pub fn get<H, T>(handler: H) -> Methods
where
    H: Handler<T, AppState>,
    T: 'static,
{
    Methods {
        router: routing::get(handler),
        methods: vec![Method::GET],
    }
}

/// A POST handler.
pub fn post<H, T>(handler: H) -> Methods
where
    H: Handler<T, AppState>,
    T: 'static,
{
    Methods {
        router: routing::post(handler),
        methods: vec![Method::POST],
    }
}

impl Methods {
    pub fn get<H, T>(mut self, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.router = self.router.get(handler);
        self.methods.push(Method::GET);
        self
    }

    pub fn post<H, T>(mut self, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.router = self.router.post(handler);
        self.methods.push(Method::POST);
        self
    }

    /// A body limit of this path's handlers (uploads).
    pub fn layer(mut self, limit: DefaultBodyLimit) -> Self {
        self.router = self.router.layer(limit);
        self
    }
}

/// Routes with the list of what they serve.
#[derive(Default)]
pub struct Routes {
    router: Router<AppState>,
    table: Vec<(Method, String)>,
}

impl Routes {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn route(mut self, path: &str, methods: Methods) -> Self {
        self.table
            .extend(methods.methods.into_iter().map(|m| (m, path.to_owned())));
        self.router = self.router.route(path, methods.router);
        self
    }

    pub fn merge(mut self, other: Routes) -> Self {
        self.table.extend(other.table);
        self.router = self.router.merge(other.router);
        self
    }

    /// Every (method, path template) served, sorted by path, then method.
    pub fn table(&self) -> Vec<(Method, String)> {
        let mut table = self.table.clone();
        table.sort_by(|a, b| (&a.1, a.0.as_str()).cmp(&(&b.1, b.0.as_str())));
        table.dedup();
        table
    }

    pub fn into_router(self) -> Router<AppState> {
        self.router
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paths;

    #[test]
    fn the_table_lists_every_route_with_its_methods() {
        let table = crate::web::route_table();
        let has = |m: Method, p: &str| table.iter().any(|(tm, tp)| *tm == m && tp == p);
        assert!(table.len() > 40, "too few routes: {table:?}");
        assert!(has(Method::GET, paths::HOME));
        assert!(has(Method::GET, paths::LOGIN) && has(Method::POST, paths::LOGIN));
        assert!(has(Method::POST, paths::users::LOCK));
        assert!(!has(Method::GET, paths::users::LOCK), "lock is POST only");
        assert!(has(Method::GET, "/static/{*path}"));
        assert!(
            table
                .iter()
                .all(|(m, _)| *m == Method::GET || *m == Method::POST),
            "only GET and POST are routed: {table:?}"
        );
    }
}
