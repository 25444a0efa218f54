//! The indicators of an unlocked vault (see `crate::indicators`): one pass over the records held
//! in memory, nothing read from or written to disk.

use super::Vault;
use crate::indicators::{compute, IndicatorFilter, Indicators};
use crate::model::Record;

impl Vault {
    /// The indicators of the reprisal records `filter` lets through, and of the care network,
    /// at `now_ms` by this device's clock (check-ins due).
    pub fn indicators(&self, filter: &IndicatorFilter, now_ms: i64) -> Indicators {
        let records = || self.records.iter();
        compute(
            filter,
            records().filter_map(|(_, c)| match &c.record {
                Record::Reprisal(r) => Some(&**r),
                _ => None,
            }),
            records().filter_map(|(id, c)| match &c.record {
                Record::Contact(r) => Some((*id, r)),
                _ => None,
            }),
            records().filter_map(|(_, c)| match &c.record {
                Record::CheckIn(r) => Some((r, c.created_ms)),
                _ => None,
            }),
            now_ms,
        )
    }
}
