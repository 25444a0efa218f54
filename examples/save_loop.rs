//! The save loop that `perf` profiles: edits notes of a vault over and over, then does the same
//! saves as plain SQLite rows, and prints per save both the wall time and the time this thread
//! spent on the CPU (from /proc/thread-self/schedstat), so that a busy machine, which stretches
//! wall time, does not hide where the CPU goes.
//!
//! Usage: `cargo run --release --example save_loop -- [FOLDER] [NOTES] [SAVES]`. FOLDER must be on
//! the disk being measured (not a tmpfs); default under target/.
//! `SAVE_LOOP_ONE=1` first times saves one at a time (the journal writer idle before each, as a
//! person saves), with the median; `SAVE_LOOP_ONE=only` stops after that.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use carenet::{Note, RecordId, SecretString, Vault, VaultOptions};

fn on_cpu() -> Duration {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    let ns = text.split_whitespace().next().and_then(|n| n.parse().ok()).unwrap_or(0);
    Duration::from_nanos(ns)
}

/// On-CPU time of the vault's journal writer thread, found by its name.
fn writer_on_cpu() -> Duration {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else { return Duration::ZERO };
    for task in tasks.flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if comm.trim() == "carenet-journal" {
            let text = std::fs::read_to_string(task.path().join("schedstat")).unwrap_or_default();
            let ns = text.split_whitespace().next().and_then(|n| n.parse().ok()).unwrap_or(0);
            return Duration::from_nanos(ns);
        }
    }
    Duration::ZERO
}

fn body(n: usize) -> String {
    let words = ["police", "lawyer", "threat", "court", "travel", "border", "summons", "visit", "family", "office"];
    (0..120).map(|i| words[(i * 7 + n) % words.len()]).collect::<Vec<_>>().join(" ")
}

fn main() {
    let mut args = std::env::args().skip(1);
    let parent = args.next().map(PathBuf::from).unwrap_or_else(|| PathBuf::from("target/save-loop"));
    let notes: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(2000);
    let saves: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(3000);
    std::fs::create_dir_all(&parent).expect("create the folder");
    let root = tempfile::tempdir_in(&parent).expect("temp folder");
    let pass = SecretString::from("correct horse battery staple".to_string());
    let mut vault =
        Vault::create_with(&root.path().join("vault"), &pass, &VaultOptions { work_factor: 10 }).expect("create");
    let ids: Vec<RecordId> = (0..notes)
        .map(|n| {
            vault
                .add(&Note {
                    title: format!("Note {n}"),
                    body: body(n),
                    tags: vec!["field".into()],
                    ..Default::default()
                })
                .expect("add")
        })
        .collect();
    let step = (notes / 64).max(1);
    let edited: Vec<(RecordId, String)> = ids.iter().enumerate().step_by(step).map(|(i, id)| (*id, body(i))).collect();

    let plain = rusqlite::Connection::open(root.path().join("plain.db")).expect("plain db");
    plain.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(())).expect("wal");
    plain
        .execute_batch(
            "PRAGMA synchronous = FULL; PRAGMA secure_delete = ON; PRAGMA temp_store = MEMORY; \
             CREATE TABLE records (id BLOB PRIMARY KEY, body BLOB NOT NULL);",
        )
        .expect("configure");
    for id in &ids {
        let v = serde_json::to_vec(&vault.get::<Note>(id).expect("get").value).expect("json");
        plain
            .execute("INSERT INTO records (id, body) VALUES (?1, ?2)", rusqlite::params![&id.0[..], v])
            .expect("insert");
    }

    vault.wait_for_writes().expect("settle");
    if std::env::var_os("SAVE_LOOP_ONE").is_some() {
        // One save at a time, as a person saves: the writer has applied the previous save before
        // the next one starts, and only the save itself is timed.
        let (mut wall_sum, mut cpu_sum) = (Duration::ZERO, Duration::ZERO);
        let mut walls = Vec::with_capacity(saves);
        for n in 0..saves {
            vault.wait_for_writes().expect("settle");
            let (id, base) = &edited[n % edited.len()];
            let (wall, cpu) = (Instant::now(), on_cpu());
            vault.update::<Note>(id, |note| note.body = format!("{base} [rev {n}]")).expect("update");
            let w = wall.elapsed();
            cpu_sum += on_cpu() - cpu;
            wall_sum += w;
            walls.push(w);
        }
        walls.sort();
        println!(
            "one at a time: wall mean {:>7.1} us, median {:>7.1} us; on CPU {:>7.1} us",
            (wall_sum / saves as u32).as_secs_f64() * 1e6,
            walls[saves / 2].as_secs_f64() * 1e6,
            (cpu_sum / saves as u32).as_secs_f64() * 1e6
        );
        if std::env::var("SAVE_LOOP_ONE").as_deref() == Ok("only") {
            return;
        }
    }
    let (wall, cpu, writer) = (Instant::now(), on_cpu(), writer_on_cpu());
    for n in 0..saves {
        let (id, base) = &edited[n % edited.len()];
        vault.update::<Note>(id, |note| note.body = format!("{base} [rev {n}]")).expect("update");
    }
    let (ours_wall, ours_cpu) = (wall.elapsed() / saves as u32, (on_cpu() - cpu) / saves as u32);
    vault.wait_for_writes().expect("settle");
    let applied_wall = wall.elapsed() / saves as u32;
    let writer_cpu = (writer_on_cpu() - writer) / saves as u32;

    let mut plain_notes: Vec<Note> = edited.iter().map(|(id, _)| vault.get::<Note>(id).expect("get").value).collect();
    let (wall, cpu) = (Instant::now(), on_cpu());
    for n in 0..saves {
        let (id, base) = &edited[n % edited.len()];
        let note = &mut plain_notes[n % edited.len()];
        note.body = format!("{base} [rev {n}]");
        let v = serde_json::to_vec(note).expect("json");
        plain
            .execute(
                "INSERT INTO records (id, body) VALUES (?1, ?2) ON CONFLICT(id) DO UPDATE SET body = excluded.body",
                rusqlite::params![&id.0[..], v],
            )
            .expect("upsert");
    }
    let (floor_wall, floor_cpu) = (wall.elapsed() / saves as u32, (on_cpu() - cpu) / saves as u32);
    println!("per save, {saves} saves of {} notes in a {notes}-note vault:", edited.len());
    println!(
        "  vault: wall {:>7.1} us   on CPU {:>7.1} us",
        ours_wall.as_secs_f64() * 1e6,
        ours_cpu.as_secs_f64() * 1e6
    );
    println!(
        "  vault journal writer: on CPU {:>7.1} us   (wall until applied {:>7.1} us)",
        writer_cpu.as_secs_f64() * 1e6,
        applied_wall.as_secs_f64() * 1e6
    );
    println!(
        "  plain: wall {:>7.1} us   on CPU {:>7.1} us",
        floor_wall.as_secs_f64() * 1e6,
        floor_cpu.as_secs_f64() * 1e6
    );
    println!("  ratio: wall {:.2}x", ours_wall.as_secs_f64() / floor_wall.as_secs_f64());
}
