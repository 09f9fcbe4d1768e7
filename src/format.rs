//! German formatting of dates, times, durations and sizes, shared by
//! app (PDFs, CSV), mail (templates) and views (pages), so every place
//! writes "07.12.2026 14:05" and "1,5 MB" the same way.
//!
//! A leaf module: it imports nothing from the crate.

use jiff::Timestamp;
use jiff::tz::TimeZone;

/// The portal's time zone; UTC if the system lacks the zone database.
pub fn berlin() -> TimeZone {
    TimeZone::get("Europe/Berlin").unwrap_or(TimeZone::UTC)
}

/// An instant for people in Germany: "07.12.2026 14:05" (Europe/Berlin).
pub fn datetime(ts: Timestamp) -> String {
    ts.to_zoned_datetime(berlin())
        .strftime("%d.%m.%Y %H:%M")
        .to_string()
}

/// Like [`datetime`], with seconds (Protokoll): "07.12.2026 14:05:09".
pub fn datetime_seconds(ts: Timestamp) -> String {
    ts.to_zoned_datetime(berlin())
        .strftime("%d.%m.%Y %H:%M:%S")
        .to_string()
}

/// The day of an instant in Germany: "07.12.2026".
pub fn date(ts: Timestamp) -> String {
    ts.to_zoned_datetime(berlin())
        .strftime("%d.%m.%Y")
        .to_string()
}

/// "1 Minute", "60 Minuten".
pub fn minutes(n: u64) -> String {
    if n == 1 {
        "1 Minute".to_owned()
    } else {
        format!("{n} Minuten")
    }
}

/// A file size with a decimal comma: "1,5 MB" from 1 MiB on, else whole
/// KB rounded up ("1 KB" for a single byte).
pub fn size(len: u64) -> String {
    if len >= 1024 * 1024 {
        format!("{:.1} MB", len as f64 / (1024.0 * 1024.0)).replace('.', ",")
    } else {
        format!("{} KB", len.div_ceil(1024))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn german_forms() {
        let ts: Timestamp = "2026-12-07T13:05:09Z".parse().unwrap();
        assert_eq!(datetime(ts), "07.12.2026 14:05");
        assert_eq!(datetime_seconds(ts), "07.12.2026 14:05:09");
        assert_eq!(date(ts), "07.12.2026");
        assert_eq!(minutes(1), "1 Minute");
        assert_eq!(minutes(60), "60 Minuten");
        assert_eq!(size(1), "1 KB");
        assert_eq!(size(1024), "1 KB");
        assert_eq!(size(1536 * 1024), "1,5 MB");
    }
}
