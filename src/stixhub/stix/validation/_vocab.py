"""The vocabularies and enumerations of STIX 2.1 section 10, and the fixed marking ids.

Open vocabularies (``-ov``) suggest values: another value is allowed and only warned about.
Enumerations (``-enum``) are closed: another value breaks a MUST.
"""

__all__ = [
    "ENUMS",
    "OPEN_VOCABULARIES",
    "TLP1_MARKINGS",
    "TLP2_EXTENSION_ID",
    "TLP2_MARKINGS",
]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


OPEN_VOCABULARIES: dict[str, frozenset[str]] = {
    "account-type-ov": _words(
        "facebook ldap nis openid radius skype tacacs twitter unix windows-local windows-domain"
    ),
    "attack-motivation-ov": _words(
        "accidental coercion dominance ideology notoriety organizational-gain personal-gain "
        "personal-satisfaction revenge unpredictable"
    ),
    "attack-resource-level-ov": _words("individual club contest team organization government"),
    "grouping-context-ov": _words("suspicious-activity malware-analysis unspecified"),
    "hash-algorithm-ov": _words("MD5 SHA-1 SHA-256 SHA-512 SHA3-256 SHA3-512 SSDEEP TLSH"),
    "identity-class-ov": _words("individual group system organization class unknown"),
    "implementation-language-ov": _words(
        "applescript bash c c++ c# go java javascript lua objective-c perl php powershell "
        "python ruby scala swift typescript visual-basic x86-32 x86-64"
    ),
    "indicator-type-ov": _words(
        "anomalous-activity anonymization benign compromised malicious-activity attribution unknown"
    ),
    "industry-sector-ov": _words(
        "agriculture aerospace automotive chemical commercial communications construction "
        "defense education energy entertainment financial-services government "
        "government-emergency-services government-local government-national "
        "government-public-services government-regional healthcare hospitality-leisure "
        "infrastructure infrastructure-dams infrastructure-nuclear infrastructure-water "
        "insurance manufacturing mining non-profit pharmaceuticals retail technology "
        "telecommunications transportation utilities"
    ),
    "infrastructure-type-ov": _words(
        "amplification anonymization botnet command-and-control control-system exfiltration "
        "firewall hosting-malware hosting-target-lists phishing reconnaissance "
        "routers-switches staging workstation unknown"
    ),
    "malware-capabilities-ov": _words(
        "accesses-remote-machines anti-debugging anti-disassembly anti-emulation "
        "anti-memory-forensics anti-sandbox anti-vm captures-input-peripherals "
        "captures-output-peripherals captures-system-state-data cleans-traces-of-infection "
        "commits-fraud communicates-with-c2 compromises-data-availability "
        "compromises-data-integrity compromises-system-availability controls-local-machine "
        "degrades-security-software degrades-system-updates determines-c2-server emails-spam "
        "escalates-privileges evades-av exfiltrates-data fingerprints-host hides-artifacts "
        "hides-executing-code infects-files infects-remote-machines installs-other-components "
        "persists-after-system-reboot prevents-artifact-access prevents-artifact-deletion "
        "probes-network-environment self-modifies steals-authentication-credentials "
        "violates-system-operational-integrity"
    ),
    "malware-result-ov": _words("malicious suspicious benign unknown"),
    "malware-type-ov": _words(
        "adware backdoor bot bootkit ddos downloader dropper exploit-kit keylogger ransomware "
        "remote-access-trojan resource-exploitation rogue-security-software rootkit "
        "screen-capture spyware trojan unknown virus webshell wiper worm"
    ),
    "marking-definition-type-ov": _words("statement tlp"),
    "pattern-type-ov": _words("stix pcre sigma snort suricata yara"),
    "processor-architecture-ov": _words("alpha arm ia-64 mips powerpc sparc x86 x86-64"),
    "region-ov": _words(
        "africa eastern-africa middle-africa northern-africa southern-africa western-africa "
        "americas caribbean central-america latin-america-caribbean northern-america "
        "south-america asia central-asia eastern-asia southern-asia south-eastern-asia "
        "western-asia europe eastern-europe northern-europe southern-europe western-europe "
        "oceania antarctica australia-new-zealand melanesia micronesia polynesia"
    ),
    "report-type-ov": _words(
        "attack-pattern campaign identity indicator intrusion-set malware observed-data "
        "threat-actor threat-report tool vulnerability"
    ),
    "threat-actor-role-ov": _words(
        "agent director independent infrastructure-architect infrastructure-operator "
        "malware-author sponsor"
    ),
    "threat-actor-sophistication-ov": _words(
        "none minimal intermediate advanced expert innovator strategic"
    ),
    "threat-actor-type-ov": _words(
        "activist competitor crime-syndicate criminal hacker insider-accidental "
        "insider-disgruntled nation-state sensationalist spy terrorist unknown"
    ),
    "tool-type-ov": _words(
        "denial-of-service exploitation information-gathering network-capture "
        "credential-exploitation remote-access vulnerability-scanning unknown"
    ),
    "windows-pebinary-type-ov": _words("dll exe sys"),
}

ENUMS: dict[str, frozenset[str]] = {
    "encryption-algorithm-enum": _words("AES-256-GCM ChaCha20-Poly1305 mime-type-indicated"),
    "extension-type-enum": _words(
        "new-sdo new-sco new-sro property-extension toplevel-property-extension"
    ),
    "network-socket-address-family-enum": _words(
        "AF_UNSPEC AF_INET AF_IPX AF_APPLETALK AF_NETBIOS AF_INET6 AF_IRDA AF_BTH"
    ),
    "network-socket-type-enum": _words("SOCK_STREAM SOCK_DGRAM SOCK_RAW SOCK_RDM SOCK_SEQPACKET"),
    "opinion-enum": _words("strongly-disagree disagree neutral agree strongly-agree"),
    "windows-integrity-level-enum": _words("low medium high system"),
    "windows-registry-datatype-enum": _words(
        "REG_NONE REG_SZ REG_EXPAND_SZ REG_BINARY REG_DWORD REG_DWORD_BIG_ENDIAN "
        "REG_DWORD_LITTLE_ENDIAN REG_LINK REG_MULTI_SZ REG_RESOURCE_LIST "
        "REG_FULL_RESOURCE_DESCRIPTION REG_RESOURCE_REQUIREMENTS_LIST REG_QWORD "
        "REG_INVALID_TYPE"
    ),
    "windows-service-start-type-enum": _words(
        "SERVICE_AUTO_START SERVICE_BOOT_START SERVICE_DEMAND_START SERVICE_DISABLED "
        "SERVICE_SYSTEM_ALERT"
    ),
    "windows-service-type-enum": _words(
        "SERVICE_KERNEL_DRIVER SERVICE_FILE_SYSTEM_DRIVER SERVICE_WIN32_OWN_PROCESS "
        "SERVICE_WIN32_SHARE_PROCESS"
    ),
    "windows-service-status-enum": _words(
        "SERVICE_CONTINUE_PENDING SERVICE_PAUSE_PENDING SERVICE_PAUSED SERVICE_RUNNING "
        "SERVICE_START_PENDING SERVICE_STOP_PENDING SERVICE_STOPPED"
    ),
}

# STIX 2.1 section 7.2.1.4: the only TLP 1.0 marking-definitions there are; id -> colour.
TLP1_MARKINGS: dict[str, str] = {
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": "white",
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": "green",
    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": "amber",
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": "red",
}
TLP1_CREATED = "2017-01-20T00:00:00.000Z"

# TLP 2.0, defined outside the 2.1 text by the OASIS common-objects extension.
TLP2_EXTENSION_ID = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP2_MARKINGS: dict[str, str] = {
    "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487": "clear",
    "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb": "green",
    "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421": "amber",
    "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003": "amber+strict",
    "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1": "red",
}
TLP2_CREATED = "2022-10-01T00:00:00.000Z"
