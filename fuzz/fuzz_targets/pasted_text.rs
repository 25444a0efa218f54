//! Text a person pastes from someone else: a member card, a space invite ticket, a sync ticket.
//! Parsing never panics, and what is accepted writes back to text that parses to the same thing.
//!
//! The first byte picks what the rest is:
//! - 0 mod 3: the text as pasted (UTF-8), tried as all three;
//! - 1 mod 3: the bytes behind a card's base64 (`carenet-card1:` + base64url of the rest);
//! - 2 mod 3: the bytes behind an invite ticket's base64 (`carenet-invite1:` + base64url),
//!   so that the parsers behind base64 see arbitrary bytes.
#![no_main]
use base64::Engine;
use carenet::space::{ticket, MemberCard};
use libfuzzer_sys::fuzz_target;

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let text = match mode % 3 {
        0 => match std::str::from_utf8(rest) {
            Ok(t) => t.to_owned(),
            Err(_) => return,
        },
        1 => format!("carenet-card1:{}", b64(rest)),
        _ => format!("carenet-invite1:{}", b64(rest)),
    };
    if let Ok(card) = MemberCard::from_text(&text) {
        // A card's text is its signed bytes: the same text parses to the same card.
        let again = MemberCard::from_text(text.trim()).expect("an accepted card parses again");
        assert_eq!((again.device, again.recipient, again.name), (card.device, card.recipient, card.name));
    }
    if let Ok(t) = ticket::decode(&text) {
        let back = ticket::decode(&ticket::encode(t.space, &t.invitee, &t.ops)).expect("a written ticket parses");
        assert_eq!((back.space, back.invitee, back.ops.len()), (t.space, t.invitee, t.ops.len()));
    }
    if let Ok(t) = text.parse::<carenet::sync::Ticket>() {
        let back: carenet::sync::Ticket = t.to_string().parse().expect("a written sync ticket parses");
        assert_eq!((back.device, back.addrs, back.relay), (t.device, t.addrs, t.relay));
    }
});
