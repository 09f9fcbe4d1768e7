//! The routes of a router, read from the router itself.
//!
//! axum does not list its routes, but its `Debug` output names every path
//! (`node: Node { paths: {RouteId(n): "/path", …} }`) and, per route, which
//! methods have a handler (`MethodRouter { get: BoxedHandler, post: None, … }`).
//! The authorization matrix test compares this list with its declared
//! table, so a route added anywhere in `src/web/` cannot be left out of it.
//! If an axum upgrade changes the `Debug` format, the unit test below fails
//! (an empty or incomplete table), never silently.

use std::collections::BTreeMap;

use axum::Router;
use axum::http::Method;

/// The methods the table reports (HEAD goes with GET in axum).
const METHODS: [(&str, Method); 7] = [
    ("get", Method::GET),
    ("delete", Method::DELETE),
    ("options", Method::OPTIONS),
    ("patch", Method::PATCH),
    ("post", Method::POST),
    ("put", Method::PUT),
    ("trace", Method::TRACE),
];

/// Sorted (path, method) pairs of every handler of `router`.
pub fn of<S>(router: &Router<S>) -> Vec<(Method, String)> {
    let debug = format!("{router:?}");
    // Only the router's own paths, not its fallback router's.
    let own = debug.split(", fallback_router:").next().unwrap_or_default();
    let (routes, node) = match own.split_once("node: Node { paths: {") {
        Some(parts) => parts,
        None => return Vec::new(),
    };
    let paths = paths_by_id(node);
    let mut table = Vec::new();
    for (id, methods) in methods_by_id(routes) {
        if let Some(path) = paths.get(&id) {
            for m in methods {
                table.push((m, path.clone()));
            }
        }
    }
    table.sort_by(|a, b| (&a.1, a.0.as_str()).cmp(&(&b.1, b.0.as_str())));
    table
}

/// `RouteId(7): "/nutzer/{kennung}"` → 7 ↦ path.
fn paths_by_id(node: &str) -> BTreeMap<u32, String> {
    let mut out = BTreeMap::new();
    for part in node.split("RouteId(").skip(1) {
        let Some((id, rest)) = part.split_once("): \"") else {
            continue;
        };
        let (Ok(id), Some((path, _))) = (id.parse(), rest.split_once('"')) else {
            continue;
        };
        out.insert(id, path.to_owned());
    }
    out
}

/// `RouteId(7): MethodRouter(MethodRouter { get: BoxedHandler, head: None, …`
/// → 7 ↦ [GET]. A whole service (`Route(…)`) counts as GET and POST.
fn methods_by_id(routes: &str) -> BTreeMap<u32, Vec<Method>> {
    let mut out = BTreeMap::new();
    for part in routes.split("RouteId(").skip(1) {
        let Some((id, rest)) = part.split_once("): ") else {
            continue;
        };
        let Ok(id) = id.parse::<u32>() else {
            continue;
        };
        let methods = match rest.strip_prefix("MethodRouter(MethodRouter { ") {
            Some(fields) => {
                let fields = fields.split(", fallback:").next().unwrap_or_default();
                let mut methods = Vec::new();
                for field in fields.split(", ") {
                    if let Some((name, value)) = field.split_once(": ")
                        && value != "None"
                        && let Some((_, m)) = METHODS.iter().find(|(n, _)| *n == name)
                    {
                        methods.push(m.clone());
                    }
                }
                methods
            }
            None => vec![Method::GET, Method::POST],
        };
        out.insert(id, methods);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paths;

    #[test]
    fn the_table_lists_every_route_with_its_methods() {
        let table = crate::web::route_table();
        let has = |m: Method, p: &str| table.iter().any(|(tm, tp)| *tm == m && tp == p);
        assert!(table.len() > 40, "too few routes read: {table:?}");
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
