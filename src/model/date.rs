//! Dates that carry their precision, as HURIDOCS asks: "2026", "2026-05" or "2026-05-01".

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A calendar date known to the year, the month or the day.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct PartialDate {
    year: i32,
    month: Option<u32>,
    day: Option<u32>,
}

/// How precisely a `PartialDate` is known.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// Only the year.
    Year,
    /// Year and month.
    Month,
    /// The exact day.
    Day,
}

impl PartialDate {
    /// How precisely the date is known.
    pub fn precision(&self) -> Precision {
        match (self.month, self.day) {
            (None, _) => Precision::Year,
            (Some(_), None) => Precision::Month,
            (Some(_), Some(_)) => Precision::Day,
        }
    }

    /// The first and last day this date may stand for.
    pub fn range(&self) -> (NaiveDate, NaiveDate) {
        let y = self.year;
        let first = |m: u32| NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(NaiveDate::MIN);
        match (self.month, self.day) {
            (Some(m), Some(d)) => {
                let day = NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN);
                (day, day)
            }
            (Some(m), None) => {
                let start = first(m);
                let next =
                    if m == 12 { NaiveDate::from_ymd_opt(y + 1, 1, 1) } else { NaiveDate::from_ymd_opt(y, m + 1, 1) };
                (start, next.and_then(|n| n.pred_opt()).unwrap_or(start))
            }
            _ => (first(1), NaiveDate::from_ymd_opt(y, 12, 31).unwrap_or(NaiveDate::MAX)),
        }
    }

    /// True when some day of this date falls within `[from, to]` (either bound may be open).
    pub fn overlaps(&self, from: Option<&PartialDate>, to: Option<&PartialDate>) -> bool {
        let (start, end) = self.range();
        from.is_none_or(|f| end >= f.range().0) && to.is_none_or(|t| start <= t.range().1)
    }

    /// The day of a Unix timestamp in milliseconds (UTC).
    pub fn from_millis(ms: i64) -> Option<Self> {
        let d = chrono::DateTime::from_timestamp_millis(ms)?.date_naive();
        Some(PartialDate { year: d.year(), month: Some(d.month()), day: Some(d.day()) })
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(m) = self.month {
            write!(f, "-{m:02}")?;
        }
        if let Some(d) = self.day {
            write!(f, "-{d:02}")?;
        }
        Ok(())
    }
}

impl FromStr for PartialDate {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let bad = || {
            Error::invalid(format!(
                "'{}' is not a date: write YYYY, YYYY-MM or YYYY-MM-DD (for example 2026-05-01).",
                s.chars().take(30).collect::<String>()
            ))
        };
        let parts: Vec<&str> = s.trim().split('-').collect();
        let num = |p: &str, len: usize| -> Result<u32> {
            if p.len() != len || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            p.parse().map_err(|_| bad())
        };
        let year = num(parts.first().ok_or_else(bad)?, 4)? as i32;
        if !(1000..=9999).contains(&year) {
            return Err(bad());
        }
        let month = parts.get(1).map(|p| num(p, 2)).transpose()?;
        let day = parts.get(2).map(|p| num(p, 2)).transpose()?;
        if parts.len() > 3 {
            return Err(bad());
        }
        if let Some(m) = month {
            if !(1..=12).contains(&m) {
                return Err(bad());
            }
        }
        if let (Some(m), Some(d)) = (month, day) {
            NaiveDate::from_ymd_opt(year, m, d).ok_or_else(bad)?;
        }
        Ok(PartialDate { year, month, day })
    }
}

impl Serialize for PartialDate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for PartialDate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_precision_and_refuses_nonsense() {
        assert_eq!("2026".parse::<PartialDate>().unwrap().precision(), Precision::Year);
        assert_eq!("2026-05".parse::<PartialDate>().unwrap().precision(), Precision::Month);
        assert_eq!("2026-05-01".parse::<PartialDate>().unwrap().to_string(), "2026-05-01");
        for bad in ["", "26", "2026-13", "2026-02-30", "2026-5-1", "2026-05-01-01", "abcd"] {
            assert!(bad.parse::<PartialDate>().is_err(), "{bad}");
        }
    }

    #[test]
    fn month_overlaps_a_day_inside_it() {
        let may: PartialDate = "2026-05".parse().unwrap();
        let d10: PartialDate = "2026-05-10".parse().unwrap();
        let june: PartialDate = "2026-06-01".parse().unwrap();
        assert!(may.overlaps(Some(&d10), None));
        assert!(!may.overlaps(Some(&june), None));
        assert!(may.overlaps(None, Some(&d10)));
    }
}
