//! Typed cells, and Excel's date-time serial numbers: what a row is made of, kept separate
//! from how it is written.

/// One cell of a row. Text borrows; a row is a short-lived slice of cells.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Cell<'a> {
    /// No cell (the position is left blank).
    Empty,
    /// Text. Empty text writes no cell, like [`Cell::Empty`].
    Text(&'a str),
    /// An integer. Spreadsheets keep numbers as 64-bit floats: integers beyond ±2⁵³ lose
    /// precision (write them as text to keep every digit).
    Int(i64),
    /// A number; it must be finite.
    Number(f64),
    /// A date: an Excel serial number ([`date_serial`]) shown as `yyyy-mm-dd`.
    Date(f64),
    /// A time of day: a fraction of a day ([`time_serial`]) shown as `hh:mm:ss`.
    Time(f64),
    /// A date and time: an Excel serial number ([`datetime_serial`]) shown as
    /// `yyyy-mm-dd hh:mm:ss`.
    DateTime(f64),
}

impl<'a> From<&'a str> for Cell<'a> {
    fn from(v: &'a str) -> Cell<'a> {
        Cell::Text(v)
    }
}

impl<'a> From<&'a String> for Cell<'a> {
    fn from(v: &'a String) -> Cell<'a> {
        Cell::Text(v)
    }
}

impl From<i64> for Cell<'_> {
    fn from(v: i64) -> Self {
        Cell::Int(v)
    }
}

impl From<u32> for Cell<'_> {
    fn from(v: u32) -> Self {
        Cell::Int(i64::from(v))
    }
}

impl From<f64> for Cell<'_> {
    fn from(v: f64) -> Self {
        Cell::Number(v)
    }
}

/// Days from Excel's day 0 (1899-12-30, in the usual 1900 date system) to 1970-01-01.
const EXCEL_UNIX_EPOCH_DAYS: i64 = 25_569;

const SECONDS_PER_DAY: i64 = 86_400;

/// The Excel serial number of a wall-clock date and time given as seconds since
/// 1970-01-01T00:00:00 *in the time zone to show* (a Unix timestamp plus the zone's offset
/// at that moment). Serials before 1900-03-01 are not what Excel shows (its 1900 leap-year
/// bug); spreadsheets cannot show dates before 1900 at all.
pub fn datetime_serial(local_seconds: i64) -> f64 {
    let days = local_seconds.div_euclid(SECONDS_PER_DAY) + EXCEL_UNIX_EPOCH_DAYS;
    let secs = local_seconds.rem_euclid(SECONDS_PER_DAY);
    days as f64 + secs as f64 / SECONDS_PER_DAY as f64
}

/// The Excel serial number of a date given as days since 1970-01-01.
pub fn date_serial(days_since_1970: i64) -> f64 {
    (days_since_1970 + EXCEL_UNIX_EPOCH_DAYS) as f64
}

/// A time of day given as seconds since midnight, as the fraction of a day Excel keeps
/// (values past a day wrap around).
pub fn time_serial(seconds_since_midnight: i64) -> f64 {
    seconds_since_midnight.rem_euclid(SECONDS_PER_DAY) as f64 / SECONDS_PER_DAY as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials() {
        // 2025-03-03 = 45719 in Excel.
        let day = 20_150;
        assert_eq!(date_serial(day), 45_719.0);
        assert_eq!(datetime_serial(day * 86_400 + 43_200), 45_719.5);
        assert_eq!(time_serial(6 * 3600), 0.25);
        assert_eq!(time_serial(-6 * 3600), 0.75);
        assert_eq!(datetime_serial(-86_400), 25_568.0);
    }
}
