//! Sync tickets: how one device tells another where to reach it, as one line of text (or a QR
//! code of that line): `carenet-sync1:<device key hex>@<ip:port>,<ip:port>[;relay=<url>]`.
//!
//! A ticket holds no secret: the device key is public and the connection is authenticated by it,
//! so a ticket copied to the wrong place lets someone try to connect, not read anything (a
//! non-member receives nothing). It does reveal the device's network addresses.

use std::fmt;
use std::net::SocketAddr;
use std::str::FromStr;

use iroh::{EndpointAddr, PublicKey, RelayUrl, TransportAddr};

use super::SyncError;

const PREFIX: &str = "carenet-sync1:";
const MAX_ADDRS: usize = 32;

/// Where to reach a device: its key and addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    /// The device's Ed25519 key (its iroh endpoint id).
    pub device: [u8; 32],
    /// Direct addresses.
    pub addrs: Vec<SocketAddr>,
    /// An optional self-hosted relay.
    pub relay: Option<String>,
}

impl Ticket {
    /// The iroh address this ticket names.
    pub fn endpoint_addr(&self) -> Result<EndpointAddr, SyncError> {
        let id = PublicKey::from_bytes(&self.device).map_err(|_| SyncError::Ticket("the device key is not valid"))?;
        let mut addrs: Vec<TransportAddr> = self.addrs.iter().map(|a| TransportAddr::Ip(*a)).collect();
        if let Some(r) = &self.relay {
            addrs.push(TransportAddr::Relay(
                r.parse::<RelayUrl>().map_err(|_| SyncError::Ticket("the relay address is not valid"))?,
            ));
        }
        Ok(EndpointAddr::from_parts(id, addrs))
    }

    /// The ticket as a QR code drawn with Unicode half blocks, for a terminal.
    pub fn qr_text(&self) -> Option<String> {
        let code = qrcode::QrCode::new(self.to_string().as_bytes()).ok()?;
        Some(code.render::<qrcode::render::unicode::Dense1x2>().quiet_zone(true).build())
    }
}

impl fmt::Display for Ticket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let addrs: Vec<String> = self.addrs.iter().map(|a| a.to_string()).collect();
        write!(f, "{PREFIX}{}@{}", hex::encode(self.device), addrs.join(","))?;
        if let Some(r) = &self.relay {
            write!(f, ";relay={r}")?;
        }
        Ok(())
    }
}

impl FromStr for Ticket {
    type Err = SyncError;

    fn from_str(s: &str) -> Result<Self, SyncError> {
        let s = s.trim();
        let rest = s.strip_prefix(PREFIX).ok_or(SyncError::Ticket("it does not start with carenet-sync1:"))?;
        let (rest, relay) = match rest.split_once(";relay=") {
            Some((a, r)) => (a, Some(r.to_owned())),
            None => (rest, None),
        };
        let (key, addrs) = rest.split_once('@').ok_or(SyncError::Ticket("the device key or addresses are missing"))?;
        let mut device = [0u8; 32];
        hex::decode_to_slice(key, &mut device).map_err(|_| SyncError::Ticket("the device key is not 64 hex digits"))?;
        PublicKey::from_bytes(&device).map_err(|_| SyncError::Ticket("the device key is not valid"))?;
        let addrs = addrs
            .split(',')
            .filter(|a| !a.is_empty())
            .map(|a| a.parse::<SocketAddr>().map_err(|_| SyncError::Ticket("an address is not ip:port")))
            .collect::<Result<Vec<_>, _>>()?;
        if addrs.len() > MAX_ADDRS {
            return Err(SyncError::Ticket("it lists too many addresses"));
        }
        if addrs.is_empty() && relay.is_none() {
            return Err(SyncError::Ticket("it has no address"));
        }
        if let Some(r) = &relay {
            r.parse::<RelayUrl>().map_err(|_| SyncError::Ticket("the relay address is not valid"))?;
        }
        Ok(Ticket { device, addrs, relay })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticket_round_trips_and_refuses_garbage() {
        let key = iroh::SecretKey::from_bytes(&[7; 32]).public();
        let t = Ticket {
            device: *key.as_bytes(),
            addrs: vec!["127.0.0.1:4000".parse().unwrap(), "[::1]:4001".parse().unwrap()],
            relay: None,
        };
        let text = t.to_string();
        assert_eq!(text.parse::<Ticket>().unwrap(), t);
        assert!(t.qr_text().is_some());
        for bad in
            ["", "carenet-sync1:", "carenet-sync1:zz@1.2.3.4:1", &text.replace('@', "#"), &format!("{text},nonsense")]
        {
            assert!(bad.parse::<Ticket>().is_err(), "{bad}");
        }
    }
}
