//! The effective configuration as TOML, secrets redacted (`check-config`).

use super::Config;

impl Config {
    /// The configuration as TOML with secrets replaced by `***`.
    pub fn redacted_toml(&self) -> String {
        let mut copy = self.clone();
        if copy.mail.smtp.password.is_some() {
            copy.mail.smtp.password = Some("***".to_owned());
        }
        toml_text(&copy)
    }
}

fn toml_text(config: &Config) -> String {
    // figment's toml dependency is re-exported through its provider; a JSON
    // round trip keeps this free of another serializer.
    match serde_json::to_value(config) {
        Ok(value) => {
            let mut out = String::new();
            render_toml(&mut out, "", &value);
            out
        }
        Err(err) => format!("# cannot render configuration: {err}\n"),
    }
}

fn render_toml(out: &mut String, table: &str, value: &serde_json::Value) {
    let serde_json::Value::Object(map) = value else {
        return;
    };
    let mut nested = Vec::new();
    for (k, v) in map {
        match v {
            serde_json::Value::Object(_) => nested.push((k, v)),
            serde_json::Value::Null => out.push_str(&format!("# {k} is not set\n")),
            other => out.push_str(&format!("{k} = {other}\n")),
        }
    }
    for (k, v) in nested {
        let name = if table.is_empty() {
            k.clone()
        } else {
            format!("{table}.{k}")
        };
        out.push_str(&format!("\n[{name}]\n"));
        render_toml(out, &name, v);
    }
}
