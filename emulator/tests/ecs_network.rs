//! ECS networking as the emulator models it, through the typed client on a paused clock:
//! VPCs and vSwitches (CIDR rules, dependency refusals), security groups and their rules,
//! key pairs (bound to instances), elastic network interfaces (attached, addressed) and EIPs.

// The ECS API marks its VPC actions deprecated (VPC has its own API); they still work.
#![allow(deprecated)]

use std::time::Duration;

use aliyun_ecs::action::associate_eip_address::AssociateEipAddressError;
use aliyun_ecs::action::attach_key_pair::AttachKeyPairError;
use aliyun_ecs::action::create_key_pair::CreateKeyPairError;
use aliyun_ecs::action::create_security_group::CreateSecurityGroupError;
use aliyun_ecs::action::create_v_switch::CreateVSwitchError;
use aliyun_ecs::action::delete_key_pairs::DeleteKeyPairsError;
use aliyun_ecs::action::delete_network_interface::DeleteNetworkInterfaceError;
use aliyun_ecs::action::delete_security_group::DeleteSecurityGroupError;
use aliyun_ecs::action::delete_v_switch::DeleteVSwitchError;
use aliyun_ecs::action::delete_vpc::DeleteVpcError;
use aliyun_ecs::action::import_key_pair::ImportKeyPairError;
use aliyun_ecs::action::release_eip_address::ReleaseEipAddressError;
use aliyun_ecs::action::revoke_security_group::RevokeSecurityGroupError;
use aliyun_ecs::types::{Permissions, Tag};
use aliyun_emulator::{AnswerSource, Emulator};

fn client(emulator: &Emulator) -> aliyun_ecs::Client {
    let config = emulator
        .in_process_config_builder()
        .retry_policy(aliyun_core::testing::support::quick_retries())
        .build()
        .unwrap();
    aliyun_ecs::Client::new(&config)
}

async fn start() -> Emulator {
    Emulator::builder()
        .no_default_instances()
        .instance_transition(Duration::from_secs(3))
        .start()
        .await
        .unwrap()
}

fn tag(key: &str, value: &str) -> Tag {
    Tag {
        key: Some(key.into()),
        value: Some(value.into()),
    }
}

const IMAGE: &str = "aliyun_3_x64_20G_alibase_20240528.vhd";

/// A VPC `10.0.0.0/8` with one vSwitch `10.1.0.0/24` in `cn-hangzhou-h` and a group.
async fn network(ecs: &aliyun_ecs::Client) -> (String, String, String) {
    let vpc = ecs
        .create_vpc()
        .cidr_block("10.0.0.0/8")
        .vpc_name("test-vpc")
        .send()
        .await
        .unwrap()
        .vpc_id
        .unwrap();
    let vsw = ecs
        .create_v_switch()
        .vpc_id(&vpc)
        .zone_id("cn-hangzhou-h")
        .cidr_block("10.1.0.0/24")
        .send()
        .await
        .unwrap()
        .v_switch_id
        .unwrap();
    let sg = ecs
        .create_security_group()
        .vpc_id(&vpc)
        .security_group_name("web")
        .send()
        .await
        .unwrap()
        .security_group_id
        .unwrap();
    (vpc, vsw, sg)
}

/// A running instance in `vsw` / `sg`.
async fn instance(ecs: &aliyun_ecs::Client, vsw: &str, sg: &str) -> String {
    let ids = ecs
        .run_instances()
        .image_id(IMAGE)
        .instance_type("ecs.g7.large")
        .v_switch_id(vsw)
        .security_group_id(sg)
        .send()
        .await
        .unwrap()
        .instance_id_sets;
    tokio::time::sleep(Duration::from_secs(5)).await;
    ids[0].clone()
}

#[tokio::test(start_paused = true)]
async fn vpcs_and_vswitches_keep_their_cidr_rules_and_dependencies() {
    let emulator = start().await;
    let ecs = client(&emulator);
    let defaults = ecs.describe_vpcs().is_default(true).send().await.unwrap();
    assert_eq!(defaults.total_count, Some(1));
    let (vpc, vsw, sg) = network(&ecs).await;
    assert!(vpc.starts_with("vpc-bp1") && vsw.starts_with("vsw-bp1") && sg.starts_with("sg-bp1"));
    let last = emulator.requests_for("CreateVpc").pop().unwrap();
    assert_eq!(last.answered_from, Some(AnswerSource::World));

    let vpcs = ecs.describe_vpcs().vpc_id(&vpc).send().await.unwrap();
    assert_eq!(vpcs.vpcs.len(), 1);
    assert_eq!(vpcs.vpcs[0].cidr_block.as_deref(), Some("10.0.0.0/8"));
    assert_eq!(vpcs.vpcs[0].v_switch_ids, vec![vsw.clone()]);

    // Outside the VPC, overlapping, too small a mask, unknown zone, unknown VPC.
    for (cidr, zone) in [
        ("192.168.0.0/24", "cn-hangzhou-h"),
        ("10.1.0.128/25", "cn-hangzhou-h"),
        ("10.2.0.0/30", "cn-hangzhou-h"),
    ] {
        let err = ecs
            .create_v_switch()
            .vpc_id(&vpc)
            .zone_id(zone)
            .cidr_block(cidr)
            .send()
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                CreateVSwitchError::InvalidCidrBlockMalformed(_)
                    | CreateVSwitchError::InvalidCidrBlockOverlapped(_)
                    | CreateVSwitchError::InvalidCirdrBlockMaskLength(_)
            ),
            "{cidr}: {err:?}"
        );
    }
    let err = ecs
        .create_v_switch()
        .vpc_id(&vpc)
        .zone_id("cn-hangzhou-h")
        .cidr_block("10.1.0.128/25")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, CreateVSwitchError::InvalidCidrBlockOverlapped(_)),
        "{err:?}"
    );
    let err = ecs
        .create_v_switch()
        .vpc_id(&vpc)
        .zone_id("mars-1a")
        .cidr_block("10.3.0.0/24")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, CreateVSwitchError::InvalidZoneIdNotFound(_)),
        "{err:?}"
    );
    let err = ecs
        .create_v_switch()
        .vpc_id("vpc-nope")
        .zone_id("cn-hangzhou-h")
        .cidr_block("10.3.0.0/24")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, CreateVSwitchError::InvalidVpcIdNotFound(_)),
        "{err:?}"
    );

    // A second vSwitch, then filters and paging.
    let other = ecs
        .create_v_switch()
        .vpc_id(&vpc)
        .zone_id("cn-hangzhou-i")
        .cidr_block("10.2.0.0/16")
        .v_switch_name("second")
        .send()
        .await
        .unwrap()
        .v_switch_id
        .unwrap();
    let in_vpc = ecs
        .describe_v_switches()
        .vpc_id(&vpc)
        .page_size(1)
        .send()
        .await
        .unwrap();
    assert_eq!(in_vpc.total_count, Some(2));
    assert_eq!(in_vpc.v_switches.len(), 1);
    assert_eq!(
        in_vpc.v_switches[0].v_switch_id.as_deref(),
        Some(vsw.as_str())
    );
    let zone_i = ecs
        .describe_v_switches()
        .vpc_id(&vpc)
        .zone_id("cn-hangzhou-i")
        .send()
        .await
        .unwrap();
    assert_eq!(zone_i.v_switches.len(), 1);
    assert_eq!(
        zone_i.v_switches[0].v_switch_name.as_deref(),
        Some("second")
    );
    assert_eq!(zone_i.v_switches[0].available_ip_address_count, Some(65532));

    ecs.modify_vpc_attribute()
        .vpc_id(&vpc)
        .vpc_name("renamed")
        .send()
        .await
        .unwrap();
    let renamed = ecs.describe_vpcs().vpc_id(&vpc).send().await.unwrap();
    assert_eq!(renamed.vpcs[0].vpc_name.as_deref(), Some("renamed"));
    let routers = ecs.describe_v_routers().send().await.unwrap();
    assert_eq!(routers.total_count, Some(2));

    // A VPC with vSwitches or groups stays; a vSwitch with an instance stays.
    let err = ecs.delete_vpc().vpc_id(&vpc).send().await.unwrap_err();
    assert!(
        matches!(err, DeleteVpcError::DependencyViolationVSwitch(_)),
        "{err:?}"
    );
    let id = instance(&ecs, &vsw, &sg).await;
    let used = ecs
        .describe_v_switches()
        .v_switch_id(&vsw)
        .send()
        .await
        .unwrap();
    assert_eq!(used.v_switches[0].available_ip_address_count, Some(251));
    let err = ecs
        .delete_v_switch()
        .v_switch_id(&vsw)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, DeleteVSwitchError::DependencyViolation(_)),
        "{err:?}"
    );
    ecs.delete_instance()
        .instance_id(&id)
        .force(true)
        .send()
        .await
        .unwrap();
    ecs.delete_v_switch()
        .v_switch_id(&vsw)
        .send()
        .await
        .unwrap();
    ecs.delete_v_switch()
        .v_switch_id(&other)
        .send()
        .await
        .unwrap();
    let err = ecs.delete_vpc().vpc_id(&vpc).send().await.unwrap_err();
    assert!(
        matches!(err, DeleteVpcError::DependencyViolationSecurityGroup(_)),
        "{err:?}"
    );
    ecs.delete_security_group()
        .security_group_id(&sg)
        .send()
        .await
        .unwrap();
    ecs.delete_vpc().vpc_id(&vpc).send().await.unwrap();
    let err = ecs.delete_vpc().vpc_id(&vpc).send().await.unwrap_err();
    assert!(
        matches!(err, DeleteVpcError::InvalidVpcIdNotFound(_)),
        "{err:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn security_group_rules_are_authorized_described_modified_and_revoked() {
    let emulator = start().await;
    let ecs = client(&emulator);
    let (vpc, _vsw, sg) = network(&ecs).await;
    let peer = ecs
        .create_security_group()
        .vpc_id(&vpc)
        .security_group_name("db")
        .security_group_type("enterprise")
        .tag(tag("tier", "db"))
        .send()
        .await
        .unwrap()
        .security_group_id
        .unwrap();

    ecs.authorize_security_group()
        .security_group_id(&sg)
        .ip_protocol("tcp")
        .port_range("22/22")
        .source_cidr_ip("10.0.0.0/8")
        .send()
        .await
        .unwrap();
    // The same rule again changes nothing; a list adds two more.
    ecs.authorize_security_group()
        .security_group_id(&sg)
        .ip_protocol("TCP")
        .port_range("22/22")
        .source_cidr_ip("10.0.0.0/8")
        .send()
        .await
        .unwrap();
    ecs.authorize_security_group()
        .security_group_id(&sg)
        .permissions(Permissions {
            ip_protocol: Some("tcp".into()),
            port_range: Some("443/443".into()),
            source_cidr_ip: Some("0.0.0.0/0".into()),
            priority: Some("10".into()),
            ..Default::default()
        })
        .permissions(Permissions {
            ip_protocol: Some("all".into()),
            source_group_id: Some(peer.clone()),
            ..Default::default()
        })
        .send()
        .await
        .unwrap();
    ecs.authorize_security_group_egress()
        .security_group_id(&sg)
        .ip_protocol("udp")
        .port_range("53/53")
        .dest_cidr_ip("0.0.0.0/0")
        .policy("drop")
        .send()
        .await
        .unwrap();

    let all = ecs
        .describe_security_group_attribute()
        .security_group_id(&sg)
        .send()
        .await
        .unwrap();
    assert_eq!(all.permissions.len(), 4);
    let ingress = ecs
        .describe_security_group_attribute()
        .security_group_id(&sg)
        .direction("ingress")
        .send()
        .await
        .unwrap();
    assert_eq!(ingress.permissions.len(), 3);
    let ssh = &ingress.permissions[0];
    assert_eq!(ssh.ip_protocol.as_deref(), Some("TCP"));
    assert_eq!(ssh.policy.as_deref(), Some("Accept"));
    assert_eq!(ssh.priority.as_deref(), Some("1"));
    assert!(
        ssh.security_group_rule_id
            .as_deref()
            .unwrap()
            .starts_with("sgr-")
    );
    let by_group = &ingress.permissions[2];
    assert_eq!(by_group.port_range.as_deref(), Some("-1/-1"));
    assert_eq!(by_group.source_group_name.as_deref(), Some("db"));
    let egress = ecs
        .describe_security_group_attribute()
        .security_group_id(&sg)
        .direction("egress")
        .send()
        .await
        .unwrap();
    assert_eq!(egress.permissions[0].policy.as_deref(), Some("Drop"));
    // Twelve rules on the other group, paged ten at a time.
    let mut list = ecs.authorize_security_group().security_group_id(&peer);
    for port in 8000..8012 {
        list = list.permissions(Permissions {
            ip_protocol: Some("tcp".into()),
            port_range: Some(format!("{port}/{port}")),
            source_cidr_ip: Some("10.0.0.0/8".into()),
            ..Default::default()
        });
    }
    list.send().await.unwrap();
    let first = ecs
        .describe_security_group_attribute()
        .security_group_id(&peer)
        .max_results(10)
        .send()
        .await
        .unwrap();
    assert_eq!(first.permissions.len(), 10);
    let rest = ecs
        .describe_security_group_attribute()
        .security_group_id(&peer)
        .max_results(10)
        .next_token(first.next_token.unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(rest.permissions.len(), 2);
    assert!(rest.next_token.is_none());

    // Bad rules: protocol, ports, missing source, unknown group.
    let err = ecs
        .authorize_security_group()
        .security_group_id(&sg)
        .ip_protocol("tcp")
        .port_range("80/22")
        .source_cidr_ip("0.0.0.0/0")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidPortRange.Malformed"), "{err:?}");
    let err = ecs
        .authorize_security_group()
        .security_group_id(&sg)
        .ip_protocol("tcp")
        .port_range("80/80")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("MissingParameter.Source"), "{err:?}");
    let err = ecs
        .authorize_security_group()
        .security_group_id(&sg)
        .ip_protocol("tcp")
        .port_range("80/80")
        .source_group_id("sg-nope")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidSourceGroupId.NotFound"), "{err:?}");

    // Modify a rule by id; revoke by id and by fields.
    let ssh_id = ssh.security_group_rule_id.clone().unwrap();
    ecs.modify_security_group_rule()
        .security_group_id(&sg)
        .security_group_rule_id(&ssh_id)
        .port_range("2222/2222")
        .description("ssh")
        .send()
        .await
        .unwrap();
    let after = ecs
        .describe_security_group_attribute()
        .security_group_id(&sg)
        .direction("ingress")
        .send()
        .await
        .unwrap();
    let modified = after
        .permissions
        .iter()
        .find(|p| p.security_group_rule_id.as_deref() == Some(ssh_id.as_str()))
        .unwrap();
    assert_eq!(modified.port_range.as_deref(), Some("2222/2222"));
    assert_eq!(modified.source_cidr_ip.as_deref(), Some("10.0.0.0/8"));
    assert_eq!(modified.description.as_deref(), Some("ssh"));

    ecs.revoke_security_group()
        .security_group_id(&sg)
        .security_group_rule_id(&ssh_id)
        .send()
        .await
        .unwrap();
    let err = ecs
        .revoke_security_group()
        .security_group_id(&sg)
        .security_group_rule_id(&ssh_id)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            RevokeSecurityGroupError::InvalidSecurityGroupRuleIdNotFound(_)
        ),
        "{err:?}"
    );
    ecs.revoke_security_group()
        .security_group_id(&sg)
        .ip_protocol("tcp")
        .port_range("443/443")
        .source_cidr_ip("0.0.0.0/0")
        .priority("10")
        .send()
        .await
        .unwrap();
    let err = ecs
        .revoke_security_group()
        .security_group_id(&sg)
        .ip_protocol("tcp")
        .port_range("443/443")
        .source_cidr_ip("0.0.0.0/0")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            RevokeSecurityGroupError::InvalidSecurityGroupRuleRuleNotExist(_)
        ),
        "{err:?}"
    );

    // Describe: filters, counts, references; delete refusals.
    let groups = ecs
        .describe_security_groups()
        .vpc_id(&vpc)
        .send()
        .await
        .unwrap();
    assert_eq!(groups.total_count, Some(2));
    let enterprise = ecs
        .describe_security_groups()
        .security_group_type("enterprise")
        .tag(tag("tier", "db"))
        .send()
        .await
        .unwrap();
    assert_eq!(enterprise.security_groups.len(), 1);
    assert_eq!(
        enterprise.security_groups[0].security_group_id.as_deref(),
        Some(peer.as_str())
    );
    let by_ids = ecs
        .describe_security_groups()
        .security_group_ids(sg.to_string())
        .security_group_ids(peer.to_string())
        .max_results(1)
        .send()
        .await
        .unwrap();
    assert_eq!(by_ids.security_groups.len(), 1);
    assert!(by_ids.next_token.is_some());
    let refs = ecs
        .describe_security_group_references()
        .security_group_id(&peer)
        .send()
        .await
        .unwrap();
    assert_eq!(
        refs.security_group_references[0]
            .referencing_security_groups
            .len(),
        1
    );
    let err = ecs
        .delete_security_group()
        .security_group_id(&peer)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, DeleteSecurityGroupError::DependencyViolation(_)),
        "{err:?}"
    );

    let vsw = ecs
        .describe_v_switches()
        .vpc_id(&vpc)
        .send()
        .await
        .unwrap()
        .v_switches[0]
        .v_switch_id
        .clone()
        .unwrap();
    let id = instance(&ecs, &vsw, &sg).await;
    let counted = ecs
        .describe_security_groups()
        .security_group_id(&sg)
        .send()
        .await
        .unwrap();
    assert_eq!(counted.security_groups[0].ecs_count, Some(1));
    let err = ecs
        .delete_security_group()
        .security_group_id(&sg)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, DeleteSecurityGroupError::DependencyViolation(_)),
        "{err:?}"
    );
    ecs.delete_instance()
        .instance_id(&id)
        .force(true)
        .send()
        .await
        .unwrap();
    ecs.delete_security_group()
        .security_group_id(&sg)
        .send()
        .await
        .unwrap();
    ecs.delete_security_group()
        .security_group_id(&peer)
        .send()
        .await
        .unwrap();
    let err = ecs
        .delete_security_group()
        .security_group_id(&sg)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            DeleteSecurityGroupError::InvalidSecurityGroupNotFound(_)
        ),
        "{err:?}"
    );
    let err = ecs
        .create_security_group()
        .vpc_id("vpc-nope")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, CreateSecurityGroupError::InvalidVpcIdNotFound(_)),
        "{err:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn key_pairs_are_created_imported_bound_and_deleted() {
    let emulator = start().await;
    let ecs = client(&emulator);
    let created = ecs
        .create_key_pair()
        .key_pair_name("deploy")
        .tag(tag("team", "ops"))
        .send()
        .await
        .unwrap();
    assert!(
        created
            .private_key_body
            .unwrap()
            .starts_with("-----BEGIN RSA PRIVATE KEY-----")
    );
    assert_eq!(
        created.key_pair_finger_print.as_ref().map(String::len),
        Some(32)
    );
    let err = ecs
        .create_key_pair()
        .key_pair_name("deploy")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, CreateKeyPairError::KeyPairAlreadyExist(_)),
        "{err:?}"
    );

    // An Ed25519 key: the fingerprint is the MD5 of the key blob.
    let line =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl me@host";
    let imported = ecs
        .import_key_pair()
        .key_pair_name("laptop")
        .public_key_body(line)
        .send()
        .await
        .unwrap();
    let fingerprint = imported.key_pair_finger_print.unwrap();
    assert_eq!(fingerprint.len(), 32);
    let err = ecs
        .import_key_pair()
        .key_pair_name("broken")
        .public_key_body("ssh-rsa not-a-key")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, ImportKeyPairError::InvalidPublicKeyBodyMalformed(_)),
        "{err:?}"
    );

    let fuzzy = ecs
        .describe_key_pairs()
        .key_pair_name("de*")
        .send()
        .await
        .unwrap();
    assert_eq!(fuzzy.total_count, Some(1));
    assert_eq!(fuzzy.key_pairs[0].key_pair_name.as_deref(), Some("deploy"));
    let by_print = ecs
        .describe_key_pairs()
        .key_pair_finger_print(&fingerprint)
        .send()
        .await
        .unwrap();
    assert_eq!(
        by_print.key_pairs[0].key_pair_name.as_deref(),
        Some("laptop")
    );
    let paged = ecs
        .describe_key_pairs()
        .page_size(1)
        .page_number(2)
        .send()
        .await
        .unwrap();
    assert_eq!((paged.total_count, paged.key_pairs.len()), (Some(2), 1));

    // RunInstances finds key pairs by name; AttachKeyPair rebinds.
    let vsw_default = ecs
        .describe_v_switches()
        .is_default(true)
        .zone_id("cn-hangzhou-h")
        .send()
        .await
        .unwrap();
    let vsw = vsw_default.v_switches[0].v_switch_id.clone().unwrap();
    let run = ecs
        .run_instances()
        .image_id(IMAGE)
        .v_switch_id(&vsw)
        .key_pair_name("deploy")
        .send()
        .await
        .unwrap();
    let id = run.instance_id_sets[0].clone();
    tokio::time::sleep(Duration::from_secs(5)).await;
    let attached = ecs
        .attach_key_pair()
        .key_pair_name("laptop")
        .instance_ids(id.to_string())
        .instance_ids("i-nope")
        .send()
        .await
        .unwrap();
    assert_eq!(attached.total_count.as_deref(), Some("2"));
    assert_eq!(attached.fail_count.as_deref(), Some("1"));
    let described = ecs
        .describe_instances()
        .instance_ids(id.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(
        described.instances[0].key_pair_name.as_deref(),
        Some("laptop")
    );
    let err = ecs
        .attach_key_pair()
        .key_pair_name("ghost")
        .instance_ids(id.to_string())
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, AttachKeyPairError::InvalidKeyPairNameNotFound(_)),
        "{err:?}"
    );
    let err = ecs
        .delete_key_pairs()
        .key_pair_names("laptop")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            DeleteKeyPairsError::InvalidParameterKeypairAlreadyAttachedInstance(_)
        ),
        "{err:?}"
    );
    ecs.detach_key_pair()
        .key_pair_name("laptop")
        .instance_ids(id.to_string())
        .send()
        .await
        .unwrap();
    ecs.delete_key_pairs()
        .key_pair_names("laptop")
        .key_pair_names("deploy")
        .send()
        .await
        .unwrap();
    let left = ecs.describe_key_pairs().send().await.unwrap();
    assert_eq!(left.total_count, Some(0));
}

#[tokio::test(start_paused = true)]
async fn network_interfaces_attach_take_addresses_and_refuse_deletion_while_in_use() {
    let emulator = start().await;
    let ecs = client(&emulator);
    let (vpc, vsw, sg) = network(&ecs).await;
    let id = instance(&ecs, &vsw, &sg).await;

    let created = ecs
        .create_network_interface()
        .v_switch_id(&vsw)
        .security_group_id(&sg)
        .primary_ip_address("10.1.0.100")
        .secondary_private_ip_address_count(2)
        .network_interface_name("data")
        .tag(tag("role", "data"))
        .send()
        .await
        .unwrap();
    let eni = created.network_interface_id.clone().unwrap();
    assert!(eni.starts_with("eni-bp1"));
    assert_eq!(created.status.as_deref(), Some("Available"));
    assert_eq!(created.private_ip_sets.len(), 3);
    let err = ecs
        .create_network_interface()
        .v_switch_id(&vsw)
        .security_group_id(&sg)
        .primary_ip_address("10.1.0.100")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.code(),
        Some("InvalidPrivateIpAddress.Duplicated"),
        "{err:?}"
    );
    let err = ecs
        .create_network_interface()
        .v_switch_id(&vsw)
        .security_group_id(&sg)
        .primary_ip_address("192.168.0.1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidVSwitchId.IpInvalid"), "{err:?}");

    // The instance's primary interface is listed too.
    let in_vpc = ecs
        .describe_network_interfaces()
        .vpc_id(&vpc)
        .send()
        .await
        .unwrap();
    assert_eq!(in_vpc.total_count, Some(2));
    let primary = ecs
        .describe_network_interfaces()
        .instance_id(&id)
        .r#type("Primary")
        .send()
        .await
        .unwrap();
    assert_eq!(primary.network_interface_sets.len(), 1);
    let primary_id = primary.network_interface_sets[0]
        .network_interface_id
        .clone()
        .unwrap();

    ecs.attach_network_interface()
        .network_interface_id(&eni)
        .instance_id(&id)
        .send()
        .await
        .unwrap();
    let attr = ecs
        .describe_network_interface_attribute()
        .network_interface_id(&eni)
        .send()
        .await
        .unwrap();
    assert_eq!(attr.status.as_deref(), Some("InUse"));
    assert_eq!(attr.instance_id.as_deref(), Some(id.as_str()));
    let err = ecs
        .delete_network_interface()
        .network_interface_id(&eni)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            DeleteNetworkInterfaceError::InvalidOperationInvalidEniState(_)
        ),
        "{err:?}"
    );
    let described = ecs
        .describe_instances()
        .instance_ids(id.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(described.instances[0].network_interfaces.len(), 2);

    // Addresses on the secondary and on the primary interface.
    let assigned = ecs
        .assign_private_ip_addresses()
        .network_interface_id(&eni)
        .private_ip_address("10.1.0.50")
        .send()
        .await
        .unwrap();
    assert_eq!(
        assigned
            .assigned_private_ip_addresses_set
            .unwrap()
            .private_ip_set,
        vec!["10.1.0.50".to_owned()]
    );
    ecs.assign_private_ip_addresses()
        .network_interface_id(&primary_id)
        .secondary_private_ip_address_count(1)
        .send()
        .await
        .unwrap();
    let with_ip = ecs
        .describe_network_interfaces()
        .private_ip_address("10.1.0.50")
        .send()
        .await
        .unwrap();
    assert_eq!(
        with_ip.network_interface_sets[0]
            .network_interface_id
            .as_deref(),
        Some(eni.as_str())
    );
    ecs.unassign_private_ip_addresses()
        .network_interface_id(&eni)
        .private_ip_address("10.1.0.50")
        .send()
        .await
        .unwrap();
    let err = ecs
        .unassign_private_ip_addresses()
        .network_interface_id(&eni)
        .private_ip_address("10.1.0.50")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidIp.IpUnassigned"), "{err:?}");
    let v6 = ecs
        .assign_ipv6_addresses()
        .network_interface_id(&eni)
        .ipv6_address_count(2)
        .send()
        .await
        .unwrap();
    assert_eq!(v6.ipv6_sets.len(), 2);
    ecs.unassign_ipv6_addresses()
        .network_interface_id(&eni)
        .ipv6_address(&v6.ipv6_sets[0])
        .send()
        .await
        .unwrap();

    ecs.modify_network_interface_attribute()
        .network_interface_id(&eni)
        .network_interface_name("renamed")
        .send()
        .await
        .unwrap();
    let err = ecs
        .detach_network_interface()
        .network_interface_id(&primary_id)
        .instance_id(&id)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.code(),
        Some("InvalidOperation.DetachPrimaryEniNotAllowed"),
        "{err:?}"
    );
    ecs.detach_network_interface()
        .network_interface_id(&eni)
        .instance_id(&id)
        .send()
        .await
        .unwrap();
    let tagged = ecs
        .describe_network_interfaces()
        .tag(tag("role", "data"))
        .status("Available")
        .send()
        .await
        .unwrap();
    assert_eq!(tagged.network_interface_sets.len(), 1);
    assert_eq!(
        tagged.network_interface_sets[0]
            .network_interface_name
            .as_deref(),
        Some("renamed")
    );
    ecs.delete_network_interface()
        .network_interface_id(&eni)
        .send()
        .await
        .unwrap();
    let err = ecs
        .describe_network_interface_attribute()
        .network_interface_id(&eni)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidEniId.NotFound"), "{err:?}");
}

#[tokio::test(start_paused = true)]
async fn eips_associate_with_one_instance_and_are_released_when_free() {
    let emulator = start().await;
    let ecs = client(&emulator);
    let (_vpc, vsw, sg) = network(&ecs).await;
    let id = instance(&ecs, &vsw, &sg).await;
    let first = ecs
        .allocate_eip_address()
        .bandwidth("10")
        .send()
        .await
        .unwrap();
    let eip = first.allocation_id.clone().unwrap();
    let address = first.eip_address.clone().unwrap();
    let second = ecs
        .allocate_eip_address()
        .send()
        .await
        .unwrap()
        .allocation_id
        .unwrap();

    ecs.associate_eip_address()
        .allocation_id(&eip)
        .instance_id(&id)
        .send()
        .await
        .unwrap();
    let described = ecs
        .describe_instances()
        .instance_ids(id.to_string())
        .send()
        .await
        .unwrap();
    let on_instance = described.instances[0].eip_address.clone().unwrap();
    assert_eq!(on_instance.ip_address.as_deref(), Some(address.as_str()));
    let err = ecs
        .associate_eip_address()
        .allocation_id(&second)
        .instance_id(&id)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            AssociateEipAddressError::InvalidAssociationDuplicated(_)
        ),
        "{err:?}"
    );
    let err = ecs
        .release_eip_address()
        .allocation_id(&eip)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, ReleaseEipAddressError::IncorrectEipStatus(_)),
        "{err:?}"
    );

    let in_use = ecs
        .describe_eip_addresses()
        .status("InUse")
        .send()
        .await
        .unwrap();
    assert_eq!(in_use.total_count, Some(1));
    assert_eq!(
        in_use.eip_addresses[0].instance_id.as_deref(),
        Some(id.as_str())
    );
    assert_eq!(in_use.eip_addresses[0].bandwidth.as_deref(), Some("10"));
    ecs.modify_eip_address_attribute()
        .allocation_id(&eip)
        .bandwidth("20")
        .send()
        .await
        .unwrap();
    let by_ip = ecs
        .describe_eip_addresses()
        .eip_address(&address)
        .send()
        .await
        .unwrap();
    assert_eq!(by_ip.eip_addresses[0].bandwidth.as_deref(), Some("20"));

    ecs.unassociate_eip_address()
        .allocation_id(&eip)
        .instance_id(&id)
        .send()
        .await
        .unwrap();
    let cleared = ecs
        .describe_instances()
        .instance_ids(id.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(
        cleared.instances[0]
            .eip_address
            .clone()
            .unwrap()
            .ip_address
            .as_deref(),
        Some("")
    );
    ecs.release_eip_address()
        .allocation_id(&eip)
        .send()
        .await
        .unwrap();
    let err = ecs
        .release_eip_address()
        .allocation_id(&eip)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, ReleaseEipAddressError::InvalidAllocationIdNotFound(_)),
        "{err:?}"
    );
    let page = ecs
        .describe_eip_addresses()
        .page_size(10)
        .send()
        .await
        .unwrap();
    assert_eq!(page.total_count, Some(1));
}

#[allow(deprecated)] // `DeleteNetworkInterfacePermission` is deprecated by the service and served.
#[tokio::test(start_paused = true)]
async fn interface_permissions_are_granted_listed_and_revoked() {
    let emulator = start().await;
    let ecs = client(&emulator);
    let (_, vsw, sg) = network(&ecs).await;
    let eni = ecs
        .create_network_interface()
        .v_switch_id(&vsw)
        .security_group_id(&sg)
        .send()
        .await
        .unwrap()
        .network_interface_id
        .unwrap();
    let grant = |account: i64| {
        ecs.create_network_interface_permission()
            .network_interface_id(&eni)
            .account_id(account)
            .permission("InstanceAttach")
    };
    let created = grant(1_234_567_890)
        .send()
        .await
        .unwrap()
        .network_interface_permission
        .unwrap();
    let permission = created.network_interface_permission_id.unwrap();
    assert!(permission.starts_with("eni-perm-"), "{permission}");
    assert_eq!(created.permission_state.as_deref(), Some("Granted"));
    let err = grant(1_234_567_890).send().await.unwrap_err();
    assert_eq!(
        err.code(),
        Some("InvalidOperation.PermissionExisted"),
        "{err}"
    );
    grant(42).send().await.unwrap();
    let err = ecs
        .create_network_interface_permission()
        .network_interface_id("eni-missing")
        .account_id(42)
        .permission("InstanceAttach")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidEniId.NotFound"), "{err}");

    let listed = ecs
        .describe_network_interface_permissions()
        .network_interface_id(&eni)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.total_count, Some(2));
    assert_eq!(
        listed.network_interface_permissions[0].account_id,
        Some(1_234_567_890)
    );

    ecs.delete_network_interface_permission()
        .network_interface_permission_id(&permission)
        .send()
        .await
        .unwrap();
    let err = ecs
        .delete_network_interface_permission()
        .network_interface_permission_id(&permission)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.code(),
        Some("InvalidOperation.PermissionNotExisted"),
        "{err}"
    );
    let revoked = ecs
        .describe_network_interface_permissions()
        .network_interface_permission_id(&permission)
        .send()
        .await
        .unwrap();
    assert_eq!(
        revoked.network_interface_permissions[0]
            .permission_state
            .as_deref(),
        Some("Revoked")
    );

    // The grants go with the interface.
    ecs.delete_network_interface()
        .network_interface_id(&eni)
        .send()
        .await
        .unwrap();
    let gone = ecs
        .describe_network_interface_permissions()
        .send()
        .await
        .unwrap();
    assert_eq!(gone.total_count, Some(0));
}
