//! A peer that breaks the protocol, byte by byte, over a real iroh connection: each case is
//! refused with its close code, nothing it sent is stored, and the node keeps serving others.

use carenet::space::Role;
use carenet::sync::memory::MemoryHost;
use carenet::sync::message::{self, Message, MAX_FRAME, VERSION};
use carenet::sync::node::ALPN;
use carenet::sync::{close, item_id, Node};
use iroh::endpoint::{presets, Connection, ConnectionError, RecvStream, SendStream};
use iroh::{Endpoint, RelayMode, SecretKey};

use crate::support::*;

pub async fn raw_connect(dev: &Device, to: &Node<MemoryHost>) -> (Endpoint, Connection) {
    let ep = Endpoint::builder(presets::Minimal)
        .secret_key(SecretKey::from_bytes(&dev.key.to_bytes()))
        .relay_mode(RelayMode::Disabled)
        .bind_addr("127.0.0.1:0")
        .unwrap()
        .bind()
        .await
        .unwrap();
    let conn = ep.connect(to.ticket().await.endpoint_addr().unwrap(), ALPN).await.unwrap();
    (ep, conn)
}

/// Connects with `dev`'s key, says a valid hello, and returns every byte the node sent back.
pub async fn raw_read_all(dev: &Device, to: &Node<MemoryHost>) -> Vec<u8> {
    let (ep, conn) = raw_connect(dev, to).await;
    let mut got = Vec::new();
    if let Ok((mut send, mut recv)) = conn.open_bi().await {
        let _ = send.write_all(&Message::Hello { version: VERSION, spaces: vec![] }.frame(0)).await;
        let mut buf = [0u8; 4096];
        while let Ok(Some(n)) = recv.read(&mut buf).await {
            got.extend_from_slice(&buf[..n]);
        }
    }
    ep.close().await;
    got
}

async fn read_msg(recv: &mut RecvStream) -> Option<Message> {
    let mut prefix = [0u8; 4];
    recv.read_exact(&mut prefix).await.ok()?;
    let mut body = vec![0u8; message::frame_len(prefix).ok()?];
    recv.read_exact(&mut body).await.ok()?;
    Message::decode(&body).ok().map(|(_, m)| m)
}

fn close_code(e: ConnectionError) -> Option<u32> {
    match e {
        ConnectionError::ApplicationClosed(c) => Some(c.error_code.into_inner() as u32),
        _ => None,
    }
}

/// A valid hello for `space`, and the node's hello back.
async fn hello(conn: &Connection, space: carenet::model::SpaceId) -> (SendStream, RecvStream) {
    let (mut send, mut recv) = conn.open_bi().await.unwrap();
    send.write_all(&Message::Hello { version: VERSION, spaces: vec![space] }.frame(0)).await.unwrap();
    assert!(matches!(read_msg(&mut recv).await, Some(Message::Hello { .. })));
    (send, recv)
}

/// Offers `item` with a `Have`, waits for the node's `Want`, then sends it as `Items`.
async fn offer(send: &mut SendStream, recv: &mut RecvStream, space: carenet::model::SpaceId, item: Vec<u8>) {
    send.write_all(&Message::Have { space, ids: vec![item_id(&item)] }.frame(1)).await.unwrap();
    match read_msg(recv).await {
        Some(Message::Want { ids, .. }) => assert_eq!(ids, vec![item_id(&item)]),
        other => panic!("expected a want, got {other:?}"),
    }
    send.write_all(&Message::Items { space, left_items: 0, left_bytes: 0, items: vec![item] }.frame(2)).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_malformed_message_is_refused_and_the_node_keeps_serving() {
    let (a, m, good, outsider) = (device("A"), device("Mallory"), device("Good"), device("Outsider"));
    let s = space(&a, &[(&m, Role::Member), (&good, Role::Member)]);
    let ha = host(&s);
    ingest(&ha, s.id, vec![s.change(&a, [1; 16], b"held by A")]);
    let held_before = ids(&ha, s.id);
    let na = node(&ha, &a).await;
    let _serving = na.serve();

    let valid = s.change(&m, [2; 16], b"a change by Mallory");
    let mut forged = valid.clone();
    let last = forged.len() - 1;
    forged[last] ^= 1; // signature byte
    let mut tampered = valid.clone();
    tampered[120] ^= 1; // ciphertext byte
    let by_outsider = s.change(&outsider, [2; 16], b"re-signed by someone who is no member");

    let mut codes = Vec::new();
    for case in [
        "unknown version",
        "oversize",
        "replayed",
        "re-ordered",
        "forged signature",
        "tampered ciphertext",
        "outsider author",
        "unsolicited items",
        "push out of turn",
        "garbage kind",
    ] {
        let (ep, conn) = raw_connect(&m, &na).await;
        match case {
            "unknown version" => {
                let (mut send, _recv) = conn.open_bi().await.unwrap();
                send.write_all(&Message::Hello { version: 9, spaces: vec![s.id] }.frame(0)).await.unwrap();
            }
            "oversize" => {
                let (mut send, _recv) = conn.open_bi().await.unwrap();
                send.write_all(&((MAX_FRAME as u32) + 1).to_le_bytes()).await.unwrap();
                send.write_all(&[0u8; 1024]).await.unwrap();
            }
            "replayed" => {
                let (mut send, mut recv) = hello(&conn, s.id).await;
                let have = Message::Have { space: s.id, ids: vec![] }.frame(1);
                send.write_all(&have).await.unwrap();
                assert!(matches!(read_msg(&mut recv).await, Some(Message::Want { .. })));
                // The node may close before this write completes: the close code is what counts.
                let _ = send.write_all(&have).await;
            }
            "re-ordered" => {
                let (mut send, _recv) = hello(&conn, s.id).await;
                send.write_all(&Message::Have { space: s.id, ids: vec![] }.frame(2)).await.unwrap();
                // The node may already have closed on frame 2: the close code is what counts.
                let _ = send.write_all(&Message::Have { space: s.id, ids: vec![] }.frame(1)).await;
            }
            "forged signature" | "tampered ciphertext" | "outsider author" => {
                let item = match case {
                    "forged signature" => forged.clone(),
                    "tampered ciphertext" => tampered.clone(),
                    _ => by_outsider.clone(),
                };
                let (mut send, mut recv) = hello(&conn, s.id).await;
                offer(&mut send, &mut recv, s.id, item).await;
            }
            "unsolicited items" => {
                let (mut send, _recv) = hello(&conn, s.id).await;
                send.write_all(
                    &Message::Items { space: s.id, left_items: 0, left_bytes: 0, items: vec![valid.clone()] }.frame(1),
                )
                .await
                .unwrap();
            }
            "push out of turn" => {
                // Pushing is allowed only after the node answered a reconciliation of the space.
                let (mut send, _recv) = hello(&conn, s.id).await;
                send.write_all(
                    &Message::Push { space: s.id, left_items: 0, left_bytes: 0, items: vec![valid.clone()] }.frame(1),
                )
                .await
                .unwrap();
            }
            _ => {
                let (mut send, _recv) = hello(&conn, s.id).await;
                let mut f = Message::Bye.frame(1);
                f[8] = 0xEE;
                send.write_all(&f).await.unwrap();
            }
        }
        let code = close_code(conn.closed().await);
        codes.push((case, code));
        ep.close().await;
        assert_eq!(ids(&ha, s.id), held_before, "{case}: nothing was stored");
    }
    let want = [
        ("unknown version", Some(close::UNKNOWN_VERSION)),
        ("oversize", Some(close::OVERSIZE)),
        ("replayed", Some(close::PROTOCOL)),
        ("re-ordered", Some(close::PROTOCOL)),
        ("forged signature", Some(close::REFUSED_ITEM)),
        ("tampered ciphertext", Some(close::REFUSED_ITEM)),
        ("outsider author", Some(close::REFUSED_ITEM)),
        ("unsolicited items", Some(close::PROTOCOL)),
        ("push out of turn", Some(close::PROTOCOL)),
        ("garbage kind", Some(close::PROTOCOL)),
    ];
    assert_eq!(codes, want);

    // The same valid change, offered properly, is stored; a good peer syncs as usual.
    let (ep, conn) = raw_connect(&m, &na).await;
    let (mut send, mut recv) = hello(&conn, s.id).await;
    offer(&mut send, &mut recv, s.id, valid.clone()).await;
    send.write_all(&Message::Bye.frame(3)).await.unwrap();
    assert!(matches!(read_msg(&mut recv).await, Some(Message::Bye)));
    conn.close(0u32.into(), b"");
    ep.close().await;
    assert!(ids(&ha, s.id).contains(&item_id(&valid)));
    let hg = host(&s);
    let ng = node(&hg, &good).await;
    ng.sync_with(&na.ticket().await).await.unwrap();
    assert_eq!(ids(&hg, s.id), ids(&ha, s.id));
    ng.close().await;
    na.close().await;
}
