//! Output: plain text for people, JSON (`--json`) for scripts. Ids are printed in full in JSON and
//! as a 10-digit prefix in tables (any unique prefix is accepted back).

use serde_json::{json, Value};

use carenet::model::vocab::{
    ActType, EngagementForm, EventStatus, FollowUp, InterventionKind, InterventionResult, Mechanism, PerpetratorType,
    SourceKind,
};
use carenet::model::{HistoryEntry, Record, RecordId, Stored, Summary};
use carenet::search::Hit;
use carenet::vault::TreeNode;

fn when(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map(|d| d.format("%Y-%m-%d %H:%M").to_string()).unwrap_or_default()
}

fn short(id: &RecordId) -> String {
    id.to_string()[..10].to_owned()
}

/// A new record: a sentence, then its id alone on the last line.
pub fn added(json: bool, what: &str, id: &RecordId) {
    if json {
        println!("{}", json!({ "id": id.to_string() }));
    } else {
        println!("Added {what}.");
        println!("{id}");
    }
}

/// A finished action: a sentence, or `{key: value}` in JSON.
pub fn done(json: bool, sentence: &str, value: &str, key: &str) {
    if json {
        println!("{}", json!({ key: value }));
    } else {
        println!("{sentence}");
    }
}

/// A listing of records.
pub fn summaries(json: bool, list: &[Summary]) {
    if json {
        println!("{}", serde_json::to_string(list).unwrap_or_else(|_| "[]".into()));
        return;
    }
    if list.is_empty() {
        println!("No records.");
        return;
    }
    for s in list {
        let date = s.date.map(|d| d.to_string()).unwrap_or_else(|| when(s.updated_ms)[..10].to_owned());
        let tags = if s.tags.is_empty() { String::new() } else { format!("  [{}]", s.tags.join(", ")) };
        println!("{}  {:<8}  {:<10}  {}{}", short(&s.id), s.kind, date, s.title, tags);
    }
}

/// Search results.
pub fn hits(json: bool, hits: &[Hit]) {
    if json {
        println!("{}", serde_json::to_string(hits).unwrap_or_else(|_| "[]".into()));
    } else {
        summaries(false, &hits.iter().map(|h| h.summary.clone()).collect::<Vec<_>>());
    }
}

/// One record, with its history if asked.
pub fn record(json: bool, r: &Stored<Record>, history: Option<&[HistoryEntry]>, reveal: bool) {
    let mut v = serde_json::to_value(r).unwrap_or(Value::Null);
    if !reveal {
        if let Some(o) = v.as_object_mut() {
            if o.contains_key("real_name") {
                o.insert("real_name".into(), json!("(hidden: add --reveal to show)"));
            }
        }
    }
    if json {
        let mut out = v;
        if let (Some(h), Some(o)) = (history, out.as_object_mut()) {
            o.insert("history".into(), serde_json::to_value(h).unwrap_or(Value::Null));
        }
        println!("{out}");
        return;
    }
    if let Some(o) = v.as_object_mut() {
        o.remove("created_ms");
        o.remove("updated_ms");
    }
    println!("id: {}", r.id);
    println!("created: {}   updated: {}", when(r.created_ms), when(r.updated_ms));
    print_value(&v, 0, &["id"]);
    if let Some(h) = history {
        println!("history:");
        for e in h {
            let who = if e.this_device {
                "this device".to_owned()
            } else {
                format!("device {}", &e.device[..12.min(e.device.len())])
            };
            println!("  {}  {who}: {}", when(e.time_ms), e.fields.join(", "));
        }
    }
}

fn print_value(v: &Value, indent: usize, skip: &[&str]) {
    let pad = "  ".repeat(indent);
    match v {
        Value::Object(o) => {
            for (k, val) in o {
                if skip.contains(&k.as_str()) || is_empty(val) {
                    continue;
                }
                match val {
                    Value::Object(_) => {
                        println!("{pad}{k}:");
                        print_value(val, indent + 1, &[]);
                    }
                    Value::Array(items) if items.iter().any(Value::is_object) => {
                        println!("{pad}{k}:");
                        for item in items {
                            println!("{pad}  -");
                            print_value(item, indent + 2, &["id"]);
                        }
                    }
                    _ => println!("{pad}{k}: {}", scalar(val)),
                }
            }
        }
        other => println!("{pad}{}", scalar(other)),
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.values().all(is_empty),
        _ => false,
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) if s.contains('\n') => format!("\n    {}", s.replace('\n', "\n    ")),
        Value::String(s) => s.clone(),
        Value::Array(a) => a.iter().map(scalar).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

/// Alert trees.
pub fn trees(json: bool, trees: &[TreeNode]) {
    if json {
        println!("{}", serde_json::to_string(trees).unwrap_or_else(|_| "[]".into()));
        return;
    }
    if trees.is_empty() {
        println!("No contacts.");
    }
    for t in trees {
        println!("{}  {}", t.alias, short(&t.id));
        print_children(&t.children, "");
    }
}

fn print_children(children: &[TreeNode], prefix: &str) {
    for (i, c) in children.iter().enumerate() {
        let last = i + 1 == children.len();
        let mark = if c.repeated { "  (also above)" } else { "" };
        println!("{prefix}{}{}  {}{mark}", if last { "└─ " } else { "├─ " }, c.alias, short(&c.id));
        print_children(&c.children, &format!("{prefix}{}", if last { "   " } else { "│  " }));
    }
}

/// The controlled vocabularies.
pub fn vocab(json: bool) {
    fn words<T: std::fmt::Display>(all: &[T]) -> Vec<String> {
        all.iter().map(|t| t.to_string()).collect()
    }
    let lists = [
        ("act types (--type)", words(ActType::ALL)),
        ("mechanisms (--engagement)", words(Mechanism::ALL)),
        ("engagement forms", words(EngagementForm::ALL)),
        ("perpetrator types (--perpetrator)", words(PerpetratorType::ALL)),
        ("source kinds (--source)", words(SourceKind::ALL)),
        ("interventions (--intervention)", words(InterventionKind::ALL)),
        ("intervention results (--intervention's RESULT)", words(InterventionResult::ALL)),
        ("event status (--status)", words(EventStatus::ALL)),
        ("follow-up (--follow-up)", words(FollowUp::ALL)),
    ];
    if json {
        let o: serde_json::Map<String, Value> = lists.iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
        println!("{}", Value::Object(o));
    } else {
        for (k, v) in lists {
            println!("{k}:\n  {}", v.join(", "));
        }
    }
}

/// The indicators: a short report, or the whole structure in JSON.
pub fn indicators(json: bool, ind: &carenet::indicators::Indicators) {
    if json {
        println!("{}", serde_json::to_value(ind).unwrap_or(Value::Null));
        return;
    }
    let pct = |n: u32, of: u32| {
        if of == 0 {
            String::new()
        } else {
            format!(" ({}%)", (n as f64 * 100.0 / of as f64).round())
        }
    };
    let list = |title: &str, counts: &[carenet::indicators::Count], none: &str| {
        if counts.is_empty() {
            return;
        }
        println!("{title}:");
        for c in counts {
            println!("  {:<34} {:>6}", if c.key.is_empty() { none } else { &c.key }, c.count);
        }
    };
    // One figure a line: its label, the count, and its share of `of` when there is one.
    let line = |label: &str, n: u32, of: Option<u32>| {
        println!("{label:<38}{n:>6}{}", of.map(|of| pct(n, of)).unwrap_or_default());
    };
    println!("{}", carenet::indicators::ABOUT);
    println!();
    line("Reprisal records:", ind.records, None);
    if ind.undated_left_out > 0 {
        line("  left out, no date:", ind.undated_left_out, None);
    }
    line("  still going on:", ind.ongoing, None);
    line("  victims named (once per record):", ind.victims, None);
    line("  linked to UN or regional engagement:", ind.linked_to_engagement, Some(ind.records));
    line("  consent given:", ind.consent_given, Some(ind.records));
    line("  may be shared with UN mechanisms:", ind.shareable_with_un, Some(ind.records));
    println!("Solidarity actions:");
    line("  records with an intervention:", ind.with_intervention, Some(ind.records));
    line("  interventions:", ind.interventions, None);
    line("  with a result noted:", ind.results_known, Some(ind.interventions));
    line("  answered:", ind.answered, Some(ind.interventions));
    line("  records improved after one:", ind.improved, Some(ind.with_intervention));
    line("  going on with no intervention yet:", ind.ongoing_without_intervention, None);
    if let Some(d) = &ind.days_to_action {
        println!(
            "{:<38}{:>6} (median of {} records dated to the day)",
            "  days to the first intervention:", d.median_days, d.records
        );
    }
    println!();
    list("Acts", &ind.by_act, "-");
    list("Countries", &ind.by_country, "(none recorded)");
    list("Years", &ind.by_year, "(undated)");
    list("Perpetrators", &ind.by_perpetrator, "-");
    list("Mechanisms engaged with", &ind.by_mechanism, "-");
    list("Interventions", &ind.by_intervention, "-");
    list("Results noted after interventions", &ind.by_result, "(not noted)");
    list("Follow-up", &ind.by_follow_up, "-");
    let n = &ind.network;
    println!();
    println!("Care network (all contacts, not filtered):");
    line("  contacts:", n.contacts, None);
    line("  alerted by a contact here:", n.alerted, Some(n.contacts));
    line("  watched over by a contact here:", n.watched, Some(n.contacts));
    line("  high risk, nobody watching over:", n.high_risk_unwatched, None);
    line("  check-in arrangements:", n.check_ins, None);
    line("  needing attention now:", n.check_ins_attention, None);
}
