//! The fixed facts of the emulated ECS: regions and their zones, instance types, and the
//! public images every region offers. Kept small and plausible; `DescribeRegions`,
//! `DescribeZones`, `DescribeInstanceTypes` and `DescribeImages` answer from them, and
//! `RunInstances` checks against them.

/// A region and its zones.
pub(crate) struct Region {
    pub(crate) id: &'static str,
    pub(crate) local_name: &'static str,
    pub(crate) endpoint: &'static str,
    pub(crate) zones: &'static [&'static str],
}

/// The regions the world has defaults in (a region named in a request but not listed here
/// gets one zone, `<region>-a`, when first used).
pub(crate) const REGIONS: &[Region] = &[
    Region {
        id: "cn-hangzhou",
        local_name: "China (Hangzhou)",
        endpoint: "ecs.cn-hangzhou.aliyuncs.com",
        zones: &["cn-hangzhou-h", "cn-hangzhou-i", "cn-hangzhou-j", "cn-hangzhou-k"],
    },
    Region {
        id: "cn-shanghai",
        local_name: "China (Shanghai)",
        endpoint: "ecs.cn-shanghai.aliyuncs.com",
        zones: &["cn-shanghai-l", "cn-shanghai-m", "cn-shanghai-n"],
    },
    Region {
        id: "cn-beijing",
        local_name: "China (Beijing)",
        endpoint: "ecs.cn-beijing.aliyuncs.com",
        zones: &["cn-beijing-h", "cn-beijing-i", "cn-beijing-j", "cn-beijing-k"],
    },
    Region {
        id: "cn-shenzhen",
        local_name: "China (Shenzhen)",
        endpoint: "ecs.cn-shenzhen.aliyuncs.com",
        zones: &["cn-shenzhen-d", "cn-shenzhen-e", "cn-shenzhen-f"],
    },
    Region {
        id: "ap-southeast-1",
        local_name: "Singapore",
        endpoint: "ecs.ap-southeast-1.aliyuncs.com",
        zones: &["ap-southeast-1a", "ap-southeast-1b", "ap-southeast-1c"],
    },
    Region {
        id: "us-west-1",
        local_name: "US (Silicon Valley)",
        endpoint: "ecs.us-west-1.aliyuncs.com",
        zones: &["us-west-1a", "us-west-1b"],
    },
    Region {
        id: "eu-central-1",
        local_name: "Germany (Frankfurt)",
        endpoint: "ecs.eu-central-1.aliyuncs.com",
        zones: &["eu-central-1a", "eu-central-1b"],
    },
];

/// The zones of `region` (one synthetic zone for a region not in [`REGIONS`]).
pub(crate) fn zones(region: &str) -> Vec<String> {
    match REGIONS.iter().find(|r| r.id == region) {
        Some(r) => r.zones.iter().map(|z| (*z).to_owned()).collect(),
        None => vec![format!("{region}-a")],
    }
}

/// An instance type.
pub(crate) struct InstanceType {
    pub(crate) id: &'static str,
    pub(crate) family: &'static str,
    pub(crate) cpu: u32,
    /// Memory in GiB.
    pub(crate) memory: f64,
    pub(crate) eni_quantity: u32,
    pub(crate) private_ips_per_eni: u32,
    pub(crate) gpu: u32,
}

const fn ty(
    id: &'static str,
    family: &'static str,
    cpu: u32,
    memory: f64,
    eni_quantity: u32,
) -> InstanceType {
    InstanceType {
        id,
        family,
        cpu,
        memory,
        eni_quantity,
        private_ips_per_eni: 6,
        gpu: 0,
    }
}

/// Every instance type offered, in every zone.
pub(crate) const INSTANCE_TYPES: &[InstanceType] = &[
    ty("ecs.t6-c1m1.large", "ecs.t6", 2, 2.0, 2),
    ty("ecs.g7.large", "ecs.g7", 2, 8.0, 3),
    ty("ecs.g7.xlarge", "ecs.g7", 4, 16.0, 4),
    ty("ecs.g7.2xlarge", "ecs.g7", 8, 32.0, 4),
    ty("ecs.c7.large", "ecs.c7", 2, 4.0, 3),
    ty("ecs.c7.xlarge", "ecs.c7", 4, 8.0, 4),
    ty("ecs.r7.large", "ecs.r7", 2, 16.0, 3),
    ty("ecs.g8i.large", "ecs.g8i", 2, 8.0, 3),
    ty("ecs.u1-c1m2.large", "ecs.u1", 2, 4.0, 2),
    InstanceType {
        id: "ecs.gn7i-c8g1.2xlarge",
        family: "ecs.gn7i",
        cpu: 8,
        memory: 30.0,
        eni_quantity: 4,
        private_ips_per_eni: 10,
        gpu: 1,
    },
];

/// The instance type seeded instances have.
pub(crate) const DEFAULT_INSTANCE_TYPE: &str = "ecs.g7.large";

/// The type `id`, if offered.
pub(crate) fn instance_type(id: &str) -> Option<&'static InstanceType> {
    INSTANCE_TYPES.iter().find(|t| t.id == id)
}

/// A public image.
pub(crate) struct PublicImage {
    pub(crate) id: &'static str,
    pub(crate) name: &'static str,
    pub(crate) os_type: &'static str,
    pub(crate) os_name: &'static str,
    pub(crate) platform: &'static str,
    pub(crate) family: &'static str,
    /// Size in GiB.
    pub(crate) size: u32,
}

/// The public images every region offers (ids in the service's format).
pub(crate) const PUBLIC_IMAGES: &[PublicImage] = &[
    PublicImage {
        id: "aliyun_3_x64_20G_alibase_20240528.vhd",
        name: "aliyun_3_x64_20G_alibase_20240528.vhd",
        os_type: "linux",
        os_name: "Alibaba Cloud Linux  3.2104 LTS 64位",
        platform: "Aliyun",
        family: "acs:alibaba_cloud_linux_3_2104_lts_x64",
        size: 20,
    },
    PublicImage {
        id: "ubuntu_22_04_x64_20G_alibase_20240508.vhd",
        name: "ubuntu_22_04_x64_20G_alibase_20240508.vhd",
        os_type: "linux",
        os_name: "Ubuntu  22.04 64位",
        platform: "Ubuntu",
        family: "acs:ubuntu_22_04_x64",
        size: 20,
    },
    PublicImage {
        id: "centos_7_9_x64_20G_alibase_20240403.vhd",
        name: "centos_7_9_x64_20G_alibase_20240403.vhd",
        os_type: "linux",
        os_name: "CentOS  7.9 64位",
        platform: "CentOS",
        family: "acs:centos_7_9_x64",
        size: 20,
    },
    PublicImage {
        id: "debian_12_5_x64_20G_alibase_20240430.vhd",
        name: "debian_12_5_x64_20G_alibase_20240430.vhd",
        os_type: "linux",
        os_name: "Debian  12.5 64位",
        platform: "Debian",
        family: "acs:debian_12_x64",
        size: 20,
    },
    PublicImage {
        id: "win2022_21H2_x64_dtc_en-us_40G_alibase_20240515.vhd",
        name: "win2022_21H2_x64_dtc_en-us_40G_alibase_20240515.vhd",
        os_type: "windows",
        os_name: "Windows Server  2022 数据中心版 64位英文版",
        platform: "Windows Server 2022",
        family: "acs:windows_server_2022_dtc_x64_en-us",
        size: 40,
    },
];

/// The public image seeded instances of `os_type` (`Linux`, `Windows`) run.
pub(crate) fn default_image(os_type: &str) -> &'static PublicImage {
    let windows = os_type.eq_ignore_ascii_case("windows");
    PUBLIC_IMAGES
        .iter()
        .find(|i| (i.os_type == "windows") == windows)
        .unwrap_or(&PUBLIC_IMAGES[0])
}
