#!/usr/bin/env python3
"""orgdir benchmark data: a deterministic enterprise directory as LDIF.

Python 3 standard library only, except --argon2 N, which needs the PyPI package
argon2-cffi (bench/run.sh installs it into a venv under its work directory).

    gen_directory.py --outdir DIR [--members 30000] [--depts 200] [--groups 300]
                     [--seed 7] [--argon2 0] [--base dc=example,dc=com]

Tree (defaults):

    dc=example,dc=com                      organization + dcObject
      ou=corp                              the company
        ou=<L1>,ou=corp                    departments, 4 levels deep; each holds at
          ou=<L2>,...                      most --max-per-dept (160) members directly
            uid=<10000+i>,<dept DN>        inetOrgPerson + posixAccount
      ou=groups                            groupOfNames cn=g-NNN-<kind>, sizes
                                           log-uniform 5..1000, `member` DNs
    (services.ldif) ou=services            the read-only service account
                    cn=reader,ou=services  organizationalRole + simpleSecurityObject

Members carry `memberOf` (the groups they are in, as slapd's memberof overlay
would keep it). Passwords: member uid U has `pw-U` ({SSHA}, salt from the seed);
with --argon2 N the first N members (uid 10000..10000+N-1) are stored as
{ARGON2}$argon2id$v=19$m=19456,t=2,p=1$... instead (argon2id at the OWASP
parameters that orgdir uses for new hashes; salt from the seed).

Same arguments => byte-identical files. Output files:

    directory.ldif      the directory (parents before children)
    services.ldif       ou=services + cn=reader (password Reader-Passw0rd)
    binds.tsv           <member DN> TAB <password>     members with {SSHA}
    binds_argon2.tsv    <member DN> TAB <password>     members with {ARGON2}
    members.tsv         <member DN> TAB <uid> TAB <number of groups>
    depts.tsv           <dept DN> TAB <depth> TAB <direct members> TAB <subtree members> TAB <leaf 0|1>
    leaf_depts.tsv      <leaf dept DN> TAB <members>
    groups.tsv          <group DN> TAB <members>
    meta.json           parameters, counts, sha256 of the LDIF files
"""

import argparse
import base64
import hashlib
import json
import math
import os
import random
import sys

SERVICE_PW = "Reader-Passw0rd"

GIVEN_EN = (
    "Oliver Amelia Noah Isla Arthur Ava Leo Mia Oscar Ivy Harry Freya George Lily "
    "Theo Grace Jack Rosie Henry Florence Charlie Willow Finley Evelyn Archie Sophia "
    "Alfie Daisy Thomas Emily Samuel Sienna Joshua Matilda Lucas Elsie Max Poppy "
    "Ethan Alice Adam Phoebe Daniel Ruby Isaac Harper Edward Violet Benjamin Clara "
    "Felix Hannah Louis Maya Elijah Zoe Nathan Chloe Ryan Eleanor Aaron Lucy Caleb"
).split()
FAMILY_EN = (
    "Abbott Barnes Carter Dawson Ellis Fletcher Gardner Holmes Ingram Jennings "
    "Kendall Lawson Marsh Norris Osborne Palmer Quinn Reeves Sutton Tucker Underwood "
    "Vaughan Walsh Yates Archer Bishop Chambers Doyle Emerson Forbes Griffin Hayes "
    "Irwin Jarvis Knight Lambert Mercer Nash Oakley Pearce Rowe Sharp Thornton Vance "
    "Warren Wilde Young Baxter Collier Draper Everett"
).split()
# (hanzi, pinyin)
FAMILY_ZH = [
    ("王", "Wang"), ("李", "Li"), ("张", "Zhang"), ("刘", "Liu"), ("陈", "Chen"),
    ("杨", "Yang"), ("黄", "Huang"), ("赵", "Zhao"), ("吴", "Wu"), ("周", "Zhou"),
    ("徐", "Xu"), ("孙", "Sun"), ("马", "Ma"), ("朱", "Zhu"), ("胡", "Hu"),
    ("郭", "Guo"), ("何", "He"), ("高", "Gao"), ("林", "Lin"), ("罗", "Luo"),
    ("郑", "Zheng"), ("梁", "Liang"), ("谢", "Xie"), ("宋", "Song"), ("唐", "Tang"),
    ("韩", "Han"), ("冯", "Feng"), ("邓", "Deng"), ("曹", "Cao"), ("彭", "Peng"),
    ("欧阳", "Ouyang"), ("司马", "Sima"),
]
GIVEN_ZH = [
    ("伟", "Wei"), ("芳", "Fang"), ("娜", "Na"), ("敏", "Min"), ("静", "Jing"),
    ("强", "Qiang"), ("磊", "Lei"), ("军", "Jun"), ("洋", "Yang"), ("勇", "Yong"),
    ("艳", "Yan"), ("杰", "Jie"), ("涛", "Tao"), ("明", "Ming"), ("超", "Chao"),
    ("秀英", "Xiuying"), ("建国", "Jianguo"), ("志强", "Zhiqiang"), ("晓燕", "Xiaoyan"),
    ("子轩", "Zixuan"), ("欣怡", "Xinyi"), ("浩然", "Haoran"), ("梓涵", "Zihan"),
    ("一诺", "Yinuo"), ("雨萱", "Yuxuan"), ("思彤", "Sitong"), ("宇航", "Yuhang"),
]
TITLES = [
    "Software Engineer", "Senior Software Engineer", "Staff Engineer", "Engineering Manager",
    "Product Manager", "Designer", "Data Analyst", "Accountant", "Sales Manager",
    "Account Executive", "Support Specialist", "Recruiter", "Office Manager",
    "Director", "Vice President", "Technician", "Researcher", "Intern",
]
TITLES_ZH = ["工程师", "高级工程师", "产品经理", "销售经理", "会计", "总监", "实习生"]
L1 = ["Engineering", "Sales", "Finance", "Operations", "Research", "Marketing",
      "People", "Legal", "Support", "Manufacturing", "Procurement", "IT"]
AREAS = ["Platform", "Storage", "Network", "Identity", "Mobile", "Web", "Data",
         "Billing", "Search", "Payroll", "Tax", "Audit", "North", "South", "East",
         "West", "Central", "Cloud", "Devices", "Quality", "Logistics", "Retail",
         "Channel", "Training", "Security", "Analytics", "Release", "Tooling"]
SUFFIX = {2: "Division", 3: "Department", 4: "Team"}
DEPT_ZH = ["研发中心", "销售部", "财务部", "运营部", "研究院", "市场部", "人力资源部"]
GROUP_KINDS = ["project", "list", "access", "team", "app", "site"]


def ldif_line(attr, value):
    """attr: value, or attr:: base64 when the value is not a SAFE-STRING (RFC 2849)."""
    s = str(value)
    if s == "":
        return "%s:\n" % attr
    safe = all(0x01 <= ord(c) <= 0x7F and c not in "\n\r" for c in s) and s[0] not in " :<" \
        and s[-1] != " "
    if safe:
        return "%s: %s\n" % (attr, s)
    return "%s:: %s\n" % (attr, base64.b64encode(s.encode("utf-8")).decode("ascii"))


def ssha(password, salt):
    digest = hashlib.sha1(password.encode("utf-8") + salt).digest()
    return "{SSHA}" + base64.b64encode(digest + salt).decode("ascii")


def b64_nopad(b):
    return base64.b64encode(b).decode("ascii").rstrip("=")


def argon2id_hash(password, salt):
    """{ARGON2}-prefixed PHC string: argon2id v=19 m=19456 t=2 p=1, 32-byte output."""
    try:
        from argon2.low_level import Type, hash_secret_raw
    except ImportError:
        sys.exit("--argon2 needs the argon2-cffi package (pip install argon2-cffi)")
    raw = hash_secret_raw(password.encode("utf-8"), salt, time_cost=2, memory_cost=19456,
                          parallelism=1, hash_len=32, type=Type.ID)
    return "{ARGON2}$argon2id$v=19$m=19456,t=2,p=1$%s$%s" % (b64_nopad(salt), b64_nopad(raw))


def split_levels(n):
    """Departments per level (4 levels): roughly 4 % / 16 % / 40 % / 40 %."""
    if n < 4:
        return [1] * n
    l1 = max(1, round(n * 0.04))
    l2 = max(1, round(n * 0.16))
    l3 = max(1, round(n * 0.40))
    l4 = n - l1 - l2 - l3
    if l4 < 1:
        l3 -= 1 - l4
        l4 = 1
    return [l1, l2, l3, l4]


def build_depts(rng, n, corp_dn):
    """Returns a list of dicts in parent-before-child (depth-first) order."""
    levels = split_levels(n)
    nodes = []  # dict(name, depth, parent index, children)
    prev = [None]
    for depth, count in enumerate(levels, start=1):
        cur = []
        for i in range(count):
            parent = prev[i % len(prev)] if depth > 1 else None
            # spread children unevenly: every parent gets one, the rest at random
            if depth > 1 and i >= len(prev):
                parent = rng.choice(prev)
            nodes.append({"depth": depth, "parent": parent, "children": []})
            idx = len(nodes) - 1
            if parent is not None:
                nodes[parent]["children"].append(idx)
            cur.append(idx)
        prev = cur
    # names, unique among siblings
    for idx, node in enumerate(nodes):
        d = node["depth"]
        if d == 1:
            base = L1[idx % len(L1)]
            node["name"] = base if idx < len(L1) else "%s %d" % (base, idx // len(L1) + 1)
    for node in nodes:
        used = set()
        for k, c in enumerate(node["children"]):
            child = nodes[c]
            while True:
                name = "%s %s" % (rng.choice(AREAS), SUFFIX[child["depth"]])
                if name not in used:
                    break
                name = "%s %s %d" % (rng.choice(AREAS), SUFFIX[child["depth"]], k + 1)
                if name not in used:
                    break
            used.add(name)
            child["name"] = name
    # depth-first order and DNs
    order = []

    def visit(i, parent_dn):
        node = nodes[i]
        node["dn"] = "ou=%s,%s" % (node["name"], parent_dn)
        order.append(node)
        for c in node["children"]:
            visit(c, node["dn"])

    for i, node in enumerate(nodes):
        if node["depth"] == 1:
            visit(i, corp_dn)
    for node in order:
        node["leaf"] = not node["children"]
    return order


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--outdir", required=True)
    ap.add_argument("--members", type=int, default=30000)
    ap.add_argument("--depts", type=int, default=200)
    ap.add_argument("--groups", type=int, default=300)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--argon2", type=int, default=0, metavar="N",
                    help="store the first N members' passwords as argon2id (needs argon2-cffi)")
    ap.add_argument("--base", default="dc=example,dc=com")
    ap.add_argument("--uid-start", type=int, default=10000)
    ap.add_argument("--max-per-dept", type=int, default=160)
    ap.add_argument("--group-min", type=int, default=5)
    ap.add_argument("--group-max", type=int, default=1000)
    a = ap.parse_args()

    if a.depts < 1 or a.members < 1:
        sys.exit("--members and --depts must be positive")
    if a.members > a.depts * a.max_per_dept:
        sys.exit("%d members do not fit in %d departments of at most %d"
                 % (a.members, a.depts, a.max_per_dept))
    if a.argon2 > a.members:
        sys.exit("--argon2 larger than --members")
    rng = random.Random(a.seed)
    base = a.base
    corp_dn = "ou=corp," + base
    groups_dn = "ou=groups," + base
    dc = base.split(",")[0].split("=", 1)[1]

    depts = build_depts(rng, a.depts, corp_dn)

    # members per department: near-even, random jitter, capped
    weights = [rng.uniform(0.9, 1.0) for _ in depts]
    total_w = sum(weights)
    counts = [min(a.max_per_dept, int(a.members * w / total_w)) for w in weights]
    left = a.members - sum(counts)
    while left > 0:
        i = rng.randrange(len(depts))
        if counts[i] < a.max_per_dept:
            counts[i] += 1
            left -= 1

    # people
    members = []
    used_mail = set()
    uid = a.uid_start
    for dept, count in zip(depts, counts):
        dept["direct"] = count
        for _ in range(count):
            r = rng.random()
            m = {"uid": str(uid), "dept": dept}
            if r < 0.45:
                g, f = rng.choice(GIVEN_EN), rng.choice(FAMILY_EN)
                m.update(given=g, sn=f, cn="%s %s" % (g, f), display="%s %s" % (g, f),
                         mail_local="%s.%s" % (g.lower(), f.lower()), zh=False)
            else:
                (fh, fp), (gh, gp) = rng.choice(FAMILY_ZH), rng.choice(GIVEN_ZH)
                if r < 0.85:  # pinyin only
                    m.update(given=gp, sn=fp, cn="%s %s" % (gp, fp),
                             display="%s %s" % (fp, gp), zh=False)
                else:  # Chinese in UTF-8, pinyin in displayName
                    m.update(given=gh, sn=fh, cn=fh + gh, display="%s%s (%s %s)" % (fh, gh, fp, gp),
                             zh=True)
                m["mail_local"] = "%s.%s" % (gp.lower(), fp.lower())
            local = m["mail_local"]
            n = 1
            while local in used_mail:
                n += 1
                local = "%s%d" % (m["mail_local"], n)
            used_mail.add(local)
            m["mail"] = "%s@%s.com" % (local, dc)
            m["mobile"] = "+86 1%d%d %04d %04d" % (rng.choice([3, 5, 8]), rng.randrange(10),
                                                   rng.randrange(10000), rng.randrange(10000))
            m["title"] = rng.choice(TITLES_ZH) if m["zh"] and rng.random() < 0.5 else rng.choice(TITLES)
            m["dn"] = "uid=%s,%s" % (m["uid"], dept["dn"])
            m["groups"] = []
            members.append(m)
            uid += 1

    # subtree counts
    by_dn = {d["dn"]: d for d in depts}
    for d in depts:
        d["subtree"] = 0
    for d in depts:
        dn = d["dn"]
        while dn in by_dn:
            by_dn[dn]["subtree"] += d["direct"]
            dn = dn.split(",", 1)[1]

    # groups: sizes log-uniform in [group_min, min(group_max, members)]
    gmax = min(a.group_max, len(members))
    gmin = min(a.group_min, gmax)
    groups = []
    for i in range(a.groups):
        size = int(round(math.exp(rng.uniform(math.log(gmin), math.log(gmax)))))
        size = max(gmin, min(gmax, size))
        kind = GROUP_KINDS[i % len(GROUP_KINDS)]
        cn = "g-%03d-%s" % (i + 1, kind)
        picked = sorted(rng.sample(range(len(members)), size))
        g = {"cn": cn, "dn": "cn=%s,%s" % (cn, groups_dn), "kind": kind, "members": picked}
        for mi in picked:
            members[mi]["groups"].append(g["dn"])
        groups.append(g)

    os.makedirs(a.outdir, exist_ok=True)
    out = lambda name: os.path.join(a.outdir, name)  # noqa: E731

    # passwords (salts come from a separate stream so --argon2 does not change the rest)
    prng = random.Random(a.seed * 1000003 + 1)
    for i, m in enumerate(members):
        m["password"] = "pw-" + m["uid"]
        salt = bytes(prng.randrange(256) for _ in range(8))
        asalt = bytes(prng.randrange(256) for _ in range(16))
        if i < a.argon2:
            m["hash"] = argon2id_hash(m["password"], asalt)
            m["argon2"] = True
        else:
            m["hash"] = ssha(m["password"], salt)
            m["argon2"] = False

    with open(out("directory.ldif"), "w", encoding="utf-8", newline="\n") as f:
        f.write("dn: %s\nobjectClass: top\nobjectClass: dcObject\nobjectClass: organization\n"
                "dc: %s\no: Example Corporation\n\n" % (base, dc))
        f.write("dn: %s\nobjectClass: top\nobjectClass: organizationalUnit\nou: corp\n"
                "description: The company\n\n" % corp_dn)
        by_dept = {}
        for m in members:
            by_dept.setdefault(m["dept"]["dn"], []).append(m)
        for di, d in enumerate(depts):
            f.write("dn: %s\nobjectClass: top\nobjectClass: organizationalUnit\n" % d["dn"])
            f.write(ldif_line("ou", d["name"]))
            if di % 3 == 0:
                f.write(ldif_line("description", DEPT_ZH[di % len(DEPT_ZH)]))
            f.write("\n")
            for m in by_dept.get(d["dn"], []):
                u = m["uid"]
                f.write("dn: %s\n" % m["dn"])
                f.write("objectClass: top\nobjectClass: person\nobjectClass: organizationalPerson\n"
                        "objectClass: inetOrgPerson\nobjectClass: posixAccount\n")
                f.write("uid: %s\n" % u)
                f.write(ldif_line("cn", m["cn"]))
                f.write(ldif_line("sn", m["sn"]))
                f.write(ldif_line("givenName", m["given"]))
                f.write(ldif_line("displayName", m["display"]))
                f.write("mail: %s\n" % m["mail"])
                f.write("mobile: %s\n" % m["mobile"])
                f.write(ldif_line("title", m["title"]))
                f.write("employeeNumber: E%06d\n" % (int(u) - a.uid_start + 1))
                f.write("uidNumber: %s\ngidNumber: %s\n" % (u, u))
                f.write("homeDirectory: /home/%s\nloginShell: /bin/bash\n" % u)
                f.write("userPassword: %s\n" % m["hash"])
                for gdn in m["groups"]:
                    f.write("memberOf: %s\n" % gdn)
                f.write("\n")
        f.write("dn: %s\nobjectClass: top\nobjectClass: organizationalUnit\nou: groups\n\n" % groups_dn)
        for g in groups:
            f.write("dn: %s\nobjectClass: top\nobjectClass: groupOfNames\ncn: %s\n" % (g["dn"], g["cn"]))
            f.write("description: %s group %s\n" % (g["kind"], g["cn"]))
            for mi in g["members"]:
                f.write("member: %s\n" % members[mi]["dn"])
            f.write("\n")

    svc_salt = bytes(prng.randrange(256) for _ in range(8))
    with open(out("services.ldif"), "w", encoding="utf-8", newline="\n") as f:
        f.write("dn: ou=services,%s\nobjectClass: top\nobjectClass: organizationalUnit\n"
                "ou: services\n\n" % base)
        f.write("dn: cn=reader,ou=services,%s\nobjectClass: top\nobjectClass: organizationalRole\n"
                "objectClass: simpleSecurityObject\ncn: reader\n"
                "description: read-only service account (benchmark)\n"
                "userPassword: %s\n\n" % (base, ssha(SERVICE_PW, svc_salt)))

    with open(out("binds.tsv"), "w", encoding="utf-8") as f:
        for m in members:
            if not m["argon2"]:
                f.write("%s\t%s\n" % (m["dn"], m["password"]))
    with open(out("binds_argon2.tsv"), "w", encoding="utf-8") as f:
        for m in members:
            if m["argon2"]:
                f.write("%s\t%s\n" % (m["dn"], m["password"]))
    with open(out("members.tsv"), "w", encoding="utf-8") as f:
        for m in members:
            f.write("%s\t%s\t%d\n" % (m["dn"], m["uid"], len(m["groups"])))
    with open(out("depts.tsv"), "w", encoding="utf-8") as f:
        for d in depts:
            f.write("%s\t%d\t%d\t%d\t%d\n" % (d["dn"], d["depth"], d["direct"], d["subtree"],
                                              1 if d["leaf"] else 0))
    with open(out("leaf_depts.tsv"), "w", encoding="utf-8") as f:
        for d in depts:
            if d["leaf"] and d["direct"] > 0:
                f.write("%s\t%d\n" % (d["dn"], d["direct"]))
    with open(out("groups.tsv"), "w", encoding="utf-8") as f:
        for g in groups:
            f.write("%s\t%d\n" % (g["dn"], len(g["members"])))

    def sha256(path):
        h = hashlib.sha256()
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        return h.hexdigest()

    entries = 2 + len(depts) + len(members) + 1 + len(groups)
    meta = {
        "base": base, "seed": a.seed, "members": len(members), "depts": len(depts),
        "dept_levels": split_levels(a.depts), "leaf_depts": sum(1 for d in depts if d["leaf"]),
        "max_direct_members": max(counts), "min_direct_members": min(counts),
        "groups": len(groups), "memberships": sum(len(g["members"]) for g in groups),
        "group_sizes_min_max": [min(len(g["members"]) for g in groups),
                                max(len(g["members"]) for g in groups)] if groups else [0, 0],
        "argon2_members": a.argon2, "zh_names": sum(1 for m in members if m["zh"]),
        "entries": entries, "service_dn": "cn=reader,ou=services," + base,
        "service_pw": SERVICE_PW, "groups_base": groups_dn,
        "directory_ldif_bytes": os.path.getsize(out("directory.ldif")),
        "directory_ldif_sha256": sha256(out("directory.ldif")),
        "services_ldif_sha256": sha256(out("services.ldif")),
    }
    with open(out("meta.json"), "w", encoding="utf-8") as f:
        json.dump(meta, f, indent=1, sort_keys=True)
        f.write("\n")
    print(json.dumps({k: meta[k] for k in ("members", "depts", "groups", "memberships",
                                             "entries", "argon2_members",
                                             "directory_ldif_bytes")}))


if __name__ == "__main__":
    main()
