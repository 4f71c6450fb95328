//! SSH key pairs: create (the private key is answered once), import a public key, describe
//! with the fuzzy name filter, bind to and unbind from instances, delete.
//!
//! Rules the service applies and the emulator keeps:
//! - a name is unique in its region (`KeyPair.AlreadyExist`), 2–128 characters, starting
//!   with a letter;
//! - an imported key must look like an OpenSSH public key (`ssh-rsa`, `ssh-ed25519`,
//!   `ecdsa-sha2-*` followed by Base64), else `InvalidPublicKeyBody.Malformed`;
//! - the fingerprint is the MD5 of the key blob in hex, as the service reports it;
//! - a key pair bound to an instance is not deleted; Windows instances take no key pair.
//!
//! Rows are keyed `region/name` (names are unique per region, not world-wide) and carry the
//! `KeyPairName` attribute that `RunInstances` looks key pairs up by.

use base64::Engine as _;
use serde_json::{Map, Value, json};

use super::ecs_vpcs::check_tags;
use super::ecs_world::{KEY_PAIR, obj};
use super::{Context, Model, Outcome};
use crate::clock;
use crate::error::ApiError;
use crate::store::{self, Query, Resource};
use crate::world::World;

/// The key pair actions.
pub(super) const MODELS: &[Model] = &[
    Model::ecs("CreateKeyPair", create_key_pair),
    Model::ecs("ImportKeyPair", import_key_pair),
    Model::ecs("DeleteKeyPairs", delete_key_pairs),
    Model::ecs("DescribeKeyPairs", describe_key_pairs),
    Model::ecs("AttachKeyPair", attach_key_pair),
    Model::ecs("DetachKeyPair", detach_key_pair),
];

/// The store id of key pair `name` in `region`.
fn row_id(region: &str, name: &str) -> String {
    format!("{region}/{name}")
}

fn valid_key_name(name: &str) -> bool {
    let len = name.chars().count();
    (2..=128).contains(&len)
        && name.chars().next().is_some_and(char::is_alphabetic)
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || ":_-.".contains(c))
        && !name.starts_with("http")
}

/// Checks a new key pair's name and tags; refuses a name the region has.
fn check_new(world: &World, ctx: &Context<'_>, region: &str) -> Result<String, ApiError> {
    let name = ctx.input.str("KeyPairName").unwrap_or_default().to_owned();
    if !valid_key_name(&name) {
        return Err(ctx.spec_error(
            "InvalidKeyPairName.Malformed",
            400,
            "Specified key pair name is not valid.",
        ));
    }
    if world.store.get(KEY_PAIR, &row_id(region, &name)).is_some() {
        return Err(ctx.spec_error("KeyPair.AlreadyExist", 400, "The key pair already exist."));
    }
    check_tags(ctx)?;
    Ok(name)
}

/// Stores key pair `name` with its public key and answers its describe fields.
fn insert(
    world: &mut World,
    ctx: &Context<'_>,
    region: &str,
    name: &str,
    public_key: &str,
    blob: &[u8],
) -> String {
    let fingerprint = hex(&md5(blob));
    let row = world.store.insert(
        KEY_PAIR,
        &row_id(region, name),
        region,
        obj(json!({
            "KeyPairName": name,
            "KeyPairFingerPrint": fingerprint,
            "PublicKey": public_key,
            "ResourceGroupId": ctx.input.str("ResourceGroupId").unwrap_or_default(),
            "CreationTime": clock::rfc3339(ctx.now),
        })),
    );
    store::apply_tags(&mut row.tags, ctx.input, "Tag");
    fingerprint
}

fn create_key_pair(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let region = ctx.region();
    let name = check_new(world, ctx, &region)?;
    // Deterministic stand-ins for key material: the shapes are right, the maths is not.
    let blob: Vec<u8> = (0..279).map(|_| world.store.random(0..256) as u8).collect();
    let mut wire = b"\x00\x00\x00\x07ssh-rsa".to_vec();
    wire.extend_from_slice(&blob);
    let b64 = base64::engine::general_purpose::STANDARD;
    let public_key = format!("ssh-rsa {}", b64.encode(&wire));
    let secret: Vec<u8> = (0..1190)
        .map(|_| world.store.random(0..256) as u8)
        .collect();
    let body = b64.encode(&secret);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .filter_map(|c| std::str::from_utf8(c).ok())
        .collect();
    let private_key = format!(
        "-----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----\n",
        lines.join("\n")
    );
    let fingerprint = insert(world, ctx, &region, &name, &public_key, &wire);
    let key_id = world.store.new_id("kp-", &region);
    let mut out = Map::new();
    out.insert("KeyPairId".into(), json!(key_id));
    out.insert("KeyPairName".into(), json!(name));
    out.insert("KeyPairFingerPrint".into(), json!(fingerprint));
    out.insert("PrivateKeyBody".into(), json!(private_key));
    Ok(out)
}

/// The key blob of an OpenSSH public key line (`ssh-ed25519 AAAA... comment`), if it is one.
fn public_key_blob(body: &str) -> Option<Vec<u8>> {
    let mut parts = body.split_whitespace();
    let kind = parts.next()?;
    let known =
        ["ssh-rsa", "ssh-ed25519", "ssh-dss"].contains(&kind) || kind.starts_with("ecdsa-sha2-");
    if !known {
        return None;
    }
    let blob = base64::engine::general_purpose::STANDARD
        .decode(parts.next()?)
        .ok()?;
    // The blob starts with the key type again, length-prefixed.
    let len = u32::from_be_bytes(blob.get(..4)?.try_into().ok()?) as usize;
    (blob.get(4..4 + len)? == kind.as_bytes()).then_some(blob)
}

fn import_key_pair(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let region = ctx.region();
    let name = check_new(world, ctx, &region)?;
    let body = ctx
        .input
        .str("PublicKeyBody")
        .unwrap_or_default()
        .trim()
        .to_owned();
    let blob = public_key_blob(&body).ok_or_else(|| {
        ctx.spec_error(
            "InvalidPublicKeyBody.Malformed",
            400,
            "The specified public key body is not valid.",
        )
    })?;
    let fingerprint = insert(world, ctx, &region, &name, &body, &blob);
    let mut out = Map::new();
    out.insert("KeyPairName".into(), json!(name));
    out.insert("KeyPairFingerPrint".into(), json!(fingerprint));
    Ok(out)
}

/// Instances of `region` bound to key pair `name`.
fn bound_instances(world: &World, region: &str, name: &str) -> Vec<String> {
    world
        .iter()
        .filter(|t| t.instance.region == region && t.ecs.str("KeyPairName") == Some(name))
        .map(|t| t.instance.id.clone())
        .collect()
}

fn delete_key_pairs(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let region = ctx.region();
    let names = ctx.input.ids("KeyPairNames");
    if names.is_empty() {
        return Err(ctx.spec_error(
            "InvalidKeyPairNames.ValueNotSupported",
            400,
            "The specified KeyPairNames is not valid.",
        ));
    }
    for name in &names {
        if !bound_instances(world, &region, name).is_empty() {
            return Err(ctx.spec_error(
                "InvalidParameter.KeypairAlreadyAttachedInstance",
                400,
                "The key pair is bound to an instance; detach it first.",
            ));
        }
    }
    // Names that do not exist are skipped, as the service does.
    for name in &names {
        world.store.remove(KEY_PAIR, &row_id(&region, name));
    }
    Ok(Map::new())
}

fn describe_key_pairs(world: &mut World, ctx: &Context<'_>) -> Outcome {
    let input = ctx.input;
    let pattern = input.str("KeyPairName").filter(|n| !n.is_empty());
    let include_public = input.bool("IncludePublicKey").unwrap_or(false);
    let query = Query::new(input)
        .param(input, "KeyPairFingerPrint", "KeyPairFingerPrint")
        .param(input, "ResourceGroupId", "ResourceGroupId")
        .tags(input, "Tag");
    let rows: Vec<&Resource> = query
        .select(world.store.iter(KEY_PAIR))
        .into_iter()
        .filter(|k| {
            pattern
                .is_none_or(|p| crate::store::wildcard(p, k.str("KeyPairName").unwrap_or_default()))
        })
        .collect();
    store::page(input, rows, "KeyPairs", |k| {
        let mut item = k.item();
        if !include_public {
            if let Value::Object(map) = &mut item {
                map.remove("PublicKey");
            }
        }
        item
    })
}

/// `AttachKeyPair` / `DetachKeyPair`: the key pair must exist; each instance gets its own
/// result (unknown and Windows instances fail, the others change).
fn bind(world: &mut World, ctx: &Context<'_>, attach: bool) -> Outcome {
    let region = ctx.region();
    let name = ctx.input.str("KeyPairName").unwrap_or_default().to_owned();
    if world.store.get(KEY_PAIR, &row_id(&region, &name)).is_none() {
        return Err(ctx.spec_error(
            "InvalidKeyPairName.NotFound",
            400,
            "The specified KeyPairName does not exist.",
        ));
    }
    let ids = ctx.input.ids("InstanceIds");
    if ids.is_empty() || ids.len() > 50 {
        return Err(ctx.spec_error(
            "InvalidInstanceIds.ValueNotSupported",
            400,
            "The InstanceIds must name 1 to 50 instances.",
        ));
    }
    let mut results = Vec::with_capacity(ids.len());
    let mut failed = 0;
    for id in &ids {
        let outcome = match world.get_mut(id).filter(|t| t.instance.region == region) {
            None => Err((
                "InvalidInstanceId.NotFound",
                "The specified instance does not exist.",
            )),
            Some(t)
                if t.ecs
                    .str("OSType")
                    .is_some_and(|o| o.eq_ignore_ascii_case("windows")) =>
            {
                Err((
                    "DependencyViolation.WindowsInstance",
                    "Key pairs are not supported by Windows instances.",
                ))
            }
            Some(t) => {
                if attach {
                    t.ecs.set("KeyPairName", name.as_str());
                } else if t.ecs.str("KeyPairName") == Some(name.as_str()) {
                    t.ecs.set("KeyPairName", "");
                }
                Ok(())
            }
        };
        results.push(match outcome {
            Ok(()) => {
                json!({"InstanceId": id, "Code": "200", "Message": "successful", "Success": "true"})
            }
            Err((code, message)) => {
                failed += 1;
                json!({"InstanceId": id, "Code": code, "Message": message, "Success": "false"})
            }
        });
    }
    let mut out = Map::new();
    out.insert("KeyPairName".into(), json!(name));
    out.insert("TotalCount".into(), json!(ids.len().to_string()));
    out.insert("FailCount".into(), json!(failed.to_string()));
    out.insert("Results".into(), Value::Array(results));
    Ok(out)
}

fn attach_key_pair(world: &mut World, ctx: &Context<'_>) -> Outcome {
    bind(world, ctx, true)
}

fn detach_key_pair(world: &mut World, ctx: &Context<'_>) -> Outcome {
    bind(world, ctx, false)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// MD5 (RFC 1321), for key fingerprints the way the service computes them.
fn md5(message: &[u8]) -> [u8; 16] {
    const S: [u32; 64] = [
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5,
        9, 14, 20, 5, 9, 14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10,
        15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
    ];
    let k: Vec<u32> = (0..64)
        .map(|i| ((i as f64 + 1.0).sin().abs() * 4_294_967_296.0) as u32)
        .collect();
    let mut data = message.to_vec();
    let bits = (message.len() as u64).wrapping_mul(8);
    data.push(0x80);
    while data.len() % 64 != 56 {
        data.push(0);
    }
    data.extend_from_slice(&bits.to_le_bytes());
    let mut state: [u32; 4] = [0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476];
    for chunk in data.chunks(64) {
        let m: Vec<u32> = chunk
            .chunks(4)
            .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
            .collect();
        let [mut a, mut b, mut c, mut d] = state;
        for i in 0..64 {
            let (f, g) = match i / 16 {
                0 => ((b & c) | (!b & d), i),
                1 => ((d & b) | (!d & c), (5 * i + 1) % 16),
                2 => (b ^ c ^ d, (3 * i + 5) % 16),
                _ => (c ^ (b | !d), (7 * i) % 16),
            };
            let rotated = a
                .wrapping_add(f)
                .wrapping_add(k[i])
                .wrapping_add(m[g])
                .rotate_left(S[i]);
            a = d;
            d = c;
            c = b;
            b = b.wrapping_add(rotated);
        }
        for (s, v) in state.iter_mut().zip([a, b, c, d]) {
            *s = s.wrapping_add(v);
        }
    }
    let mut out = [0u8; 16];
    for (i, s) in state.iter().enumerate() {
        out[i * 4..i * 4 + 4].copy_from_slice(&s.to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5_matches_the_rfc_vectors() {
        assert_eq!(hex(&md5(b"")), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(hex(&md5(b"abc")), "900150983cd24fb0d6963f7d28e17f72");
        let long =
            b"12345678901234567890123456789012345678901234567890123456789012345678901234567890";
        assert_eq!(hex(&md5(long)), "57edf4a22be3c955ac49da2e2107b67a");
    }

    #[test]
    fn public_keys_must_look_like_openssh_keys() {
        let b64 = base64::engine::general_purpose::STANDARD;
        let mut blob = b"\x00\x00\x00\x0bssh-ed25519".to_vec();
        blob.extend_from_slice(&[7; 36]);
        let line = format!("ssh-ed25519 {} me@host", b64.encode(&blob));
        assert_eq!(public_key_blob(&line), Some(blob));
        assert_eq!(public_key_blob("ssh-rsa not-base64!"), None);
        assert_eq!(public_key_blob("pgp-key AAAA"), None);
        let wrong_kind = format!("ssh-rsa {}", b64.encode(b"\x00\x00\x00\x0bssh-ed25519"));
        assert_eq!(public_key_blob(&wrong_kind), None);
        assert!(valid_key_name("my-key_1.pub") && !valid_key_name("1key") && !valid_key_name("k"));
    }
}
