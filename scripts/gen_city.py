#!/usr/bin/env python3
"""Synthetic city in the data-model schema, for scripts/bench (python3 standard library only).

usage: gen_city.py OUT.db N [--seed S] [--ronghe EXE]

Writes N enterprises and plausible related rows for every table the rules in rules/ read:
headcounts, wages, posts with their headcounts and wages, designations, credit events,
qualifying activities, schools, majors, students, internships with agreements, guardian
consents, insurance, monthly payments and a few timesheet days, apprenticeships with mentors
and assignments, certificates, edu_fund_year, voc_investment, surcharge_year, carriers,
holidays and the subsidy standard. The dates centre on 2023-2024, so that
`ronghe eval --as-of 2024-12-31` (year 2024) has something to judge in every rule.

Deterministic: the same N and seed give the same rows. Every value passes the schema's
import rules (enums spelled as in data-model.md, flags 0/1, money with at most 2 decimals,
real calendar dates, intensity 1-4). At N = 100000: about 3.5 million rows, ~0.4 GB, about
a minute to generate.

The schema comes from `EXE init` with --ronghe EXE, otherwise from applying db/NNNN_*.sql
of this repository in order (setting PRAGMA user_version as ronghe's migration runner does).
"""
import argparse
import datetime
import glob
import math
import os
import random
import re
import sqlite3
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

# Day numbers (proleptic ordinals) and their ISO strings, cached for speed.
D0 = datetime.date(1975, 1, 1).toordinal()
D1 = datetime.date(2035, 12, 31).toordinal()
ISO = {o: datetime.date.fromordinal(o).isoformat() for o in range(D0, D1 + 1)}


def od(y, m, d):
    return datetime.date(y, m, d).toordinal()


def iso(o):
    return ISO[o]


def month_of(o):
    return ISO[o][:7]


def next_month_first(o):
    d = datetime.date.fromordinal(o)
    y, m = (d.year + 1, 1) if d.month == 12 else (d.year, d.month + 1)
    return od(y, m, 1)


def add_years(o, n):
    d = datetime.date.fromordinal(o)
    try:
        return d.replace(year=d.year + n).toordinal()
    except ValueError:                       # Feb-29 -> Feb-28
        return d.replace(year=d.year + n, day=28).toordinal()


AS_OF = od(2024, 12, 31)

PROVINCES = ["陕西省"] * 18 + ["甘肃省", "山西省"]
VENUES = ["BAR", "KTV", "NIGHTCLUB", "BATHHOUSE", "GAME_HALL", "INTERNET_CAFE"]
POST_NAMES = ["装配工", "数控操作员", "质检员", "电工", "焊工", "仓储管理员", "化验员", "设备维护员",
              "客服专员", "采煤机司机", "果品分拣员", "物流调度员", "软件测试员", "护理员"]
SCHOOL_TYPES = ["SECONDARY_VOC", "HIGHER_VOC", "TECHNICAL", "UNDERGRADUATE", "OTHER"]
SCHOOL_TYPE_W = [35, 35, 20, 7, 3]
MAJOR_NAMES = ["机电一体化技术", "数控技术", "煤矿智能开采技术", "应用化工技术", "电气自动化技术",
               "物流管理", "护理", "计算机应用技术", "汽车检测与维修技术", "现代农业技术",
               "工业机器人技术", "会计事务"]
STUDENT_STATUS = ["ACTIVE"] * 17 + ["GRADUATED"] * 2 + ["WITHDRAWN"]
DESIG_LEVELS = ["NATIONAL", "PROVINCIAL", "CITY"]
REVOKE_REASONS = ["FRAUD", "MAJOR_ENV_ACCIDENT", "MAJOR_SAFETY_ACCIDENT", "MAJOR_QUALITY_ACCIDENT",
                  "STUDENT_RIGHTS_INFRINGEMENT", "BLACKLIST", "OTHER"]
CREDIT_KINDS = ["BLACKLIST", "MAJOR_ENV_ACCIDENT", "MAJOR_SAFETY_ACCIDENT", "MAJOR_QUALITY_ACCIDENT",
                "TAX_VIOLATION", "FRAUD", "STUDENT_RIGHTS_INFRINGEMENT"]
ACTIVITY_KINDS = ["RUN_SCHOOL", "CORP_UNIVERSITY", "APPRENTICESHIP_PILOT", "X_CERT_PILOT",
                  "TRAINING_BASE", "VOC_GROUP_MEMBER"]
SKILLS = ["初级工", "中级工", "高级工", "技师", "高级技师"]
CERT_CODES = ["煤矿智能开采", "工业机器人操作与运维", "数控车铣加工", "化工危险与可操作性分析",
              "物流管理", "老年照护", "Web前端开发", "汽车运用与维修"]
CERT_LEVELS = ["初级"] * 4 + ["中级"] * 4 + ["高级"] * 2 + ["特级", "中级(试)"]
VOC_CATEGORIES = ["RUN_SCHOOL", "TRAINING_BASE_BUILD", "TRAINING_BASE_OPS", "OTHER"]
CARRIER_KINDS = ["INDUSTRY", "DEMO_ENTERPRISE", "TRAINING_BASE", "EXPERIENCE_CENTER", "BRAND_MAJOR",
                 "TEACHER_TEAM", "ALLIANCE", "INDUSTRY_BLOCK"]

# Statutory holidays of 2023 and 2024 (is_statutory = 1) plus a few listed make-up days (0).
HOLIDAYS = [
    ("2023-01-01", 1, "元旦"), ("2023-01-02", 0, "元旦(补休)"),
    ("2023-01-22", 1, "春节"), ("2023-01-23", 1, "春节"), ("2023-01-24", 1, "春节"),
    ("2023-04-05", 1, "清明节"), ("2023-05-01", 1, "劳动节"), ("2023-06-22", 1, "端午节"),
    ("2023-09-29", 1, "中秋节"), ("2023-10-01", 1, "国庆节"), ("2023-10-02", 1, "国庆节"),
    ("2023-10-03", 1, "国庆节"), ("2023-10-07", 0, "国庆节(调休)"),
    ("2024-01-01", 1, "元旦"), ("2024-02-10", 1, "春节"), ("2024-02-11", 1, "春节"),
    ("2024-02-12", 1, "春节"), ("2024-02-04", 0, "春节(调休)"), ("2024-04-04", 1, "清明节"),
    ("2024-05-01", 1, "劳动节"), ("2024-05-02", 1, "劳动节"), ("2024-06-10", 1, "端午节"),
    ("2024-09-17", 1, "中秋节"), ("2024-10-01", 1, "国庆节"), ("2024-10-02", 1, "国庆节"),
    ("2024-10-03", 1, "国庆节"), ("2024-10-12", 0, "国庆节(调休)"),
]

TABLES = {  # table -> number of columns inserted
    "enterprise": 10, "enterprise_headcount": 4, "enterprise_wage": 4, "post": 5,
    "post_headcount": 3, "post_wage": 4, "holiday": 3, "school": 4, "major": 4, "student": 6,
    "designation": 9, "credit_event": 5, "qualifying_activity": 6, "internship": 13,
    "internship_agreement": 5, "guardian_consent": 2, "internship_insurance": 4,
    "internship_payment": 5, "timesheet": 4, "apprenticeship": 14, "mentor": 6,
    "mentor_assignment": 5, "subsidy_standard": 4, "certificate": 9, "edu_fund_year": 8,
    "voc_investment": 6, "surcharge_year": 5, "carrier": 11,
}
# Insert order: parents before children (the schema declares REFERENCES; foreign keys are
# not enforced by default, but keep the order honest anyway).
ORDER = ["school", "major", "enterprise", "enterprise_headcount", "enterprise_wage", "post",
         "post_headcount", "post_wage", "holiday", "student", "designation", "credit_event",
         "qualifying_activity", "internship", "internship_agreement", "guardian_consent",
         "internship_insurance", "internship_payment", "timesheet", "mentor", "apprenticeship",
         "mentor_assignment", "subsidy_standard", "certificate", "edu_fund_year",
         "voc_investment", "surcharge_year", "carrier"]


def money(x):
    """Round to fen (at most 2 decimals)."""
    return round(x, 2)


def create_schema(out, exe):
    if exe:
        r = subprocess.run([exe, "init", "--db", out], capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit("gen_city: %s init failed: %s" % (exe, r.stderr.strip() or r.stdout.strip()))
        return
    files = sorted(glob.glob(os.path.join(REPO, "db", "[0-9][0-9][0-9][0-9]_*.sql")))
    if not files:
        sys.exit("gen_city: no migrations found in %s/db (and no --ronghe given)" % REPO)
    db = sqlite3.connect(out, isolation_level=None)
    for f in files:
        n = int(re.match(r"(\d{4})_", os.path.basename(f)).group(1))
        with open(f, encoding="utf-8") as fh:
            sql = fh.read()
        db.executescript("BEGIN;\n" + sql + "\nPRAGMA user_version=%d;\nCOMMIT;" % n)
    db.close()


class Gen:
    def __init__(self, db, n, seed):
        self.db, self.n = db, n
        self.rng = random.Random(seed)
        self.rows = {t: [] for t in TABLES}
        self.count = {t: 0 for t in TABLES}
        self.sql = {t: "INSERT INTO %s VALUES (%s)" % (t, ",".join("?" * k)) for t, k in TABLES.items()}
        self.student_id = 0
        self.post_id = 0
        self.internship_id = 0
        self.appr_id = 0
        self.mentor_id = 0
        self.cert_id = 0
        self.desig_id = 0
        self.event_id = 0
        self.activity_id = 0
        self.invest_id = 0

    def add(self, table, row):
        self.rows[table].append(row)

    def flush(self):
        for t in ORDER:
            rows = self.rows[t]
            if rows:
                self.db.executemany(self.sql[t], rows)
                self.count[t] += len(rows)
                rows.clear()

    # ------------------------------------------------------------------ schools
    def schools(self):
        rng = self.rng
        n_schools = max(5, self.n // 500)
        self.school_majors = {}
        self.school_mentors = {}
        major_id = 0
        for sid in range(1, n_schools + 1):
            typ = rng.choices(SCHOOL_TYPES, SCHOOL_TYPE_W)[0] if rng.random() < 0.97 else None
            pilot = 1 if rng.random() < 0.35 else 0
            self.add("school", (sid, "彬州第%d职业学校" % sid, typ, pilot))
            majors = []
            for k in range(rng.randint(4, 10)):
                major_id += 1
                mpilot = 1 if pilot and rng.random() < 0.5 else 0
                self.add("major", (major_id, sid, MAJOR_NAMES[(sid + k) % len(MAJOR_NAMES)], mpilot))
                majors.append(major_id)
            self.school_majors[sid] = majors
            mentors = []
            for _ in range(rng.randint(2, 6)):
                self.mentor_id += 1
                lvl = rng.choice(SKILLS) if rng.random() < 0.6 else None
                self.add("mentor", (self.mentor_id, "SCHOOL", None, sid, "学校导师%d" % self.mentor_id, lvl))
                mentors.append(self.mentor_id)
            self.school_mentors[sid] = mentors
        self.n_schools = n_schools
        self.n_majors = major_id

    def student(self, start):
        """A new student; birth date such that about 15% are minors at `start`."""
        rng = self.rng
        self.student_id += 1
        sid = rng.randint(1, self.n_schools)
        majors = self.school_majors[sid]
        major = rng.choice(majors) if rng.random() < 0.97 else None
        if rng.random() < 0.03:
            birth = None
        else:
            age_days = int(rng.uniform(15.6, 22.5) * 365.25)
            birth = iso(start - age_days)
        status = STUDENT_STATUS[int(rng.random() * len(STUDENT_STATUS))]
        self.add("student", (self.student_id, sid, major, None, birth, status))
        if rng.random() < 0.22:
            self.certificate(self.student_id, start)
        return self.student_id, sid, birth

    def certificate(self, student, start):
        rng = self.rng
        self.cert_id += 1
        in_cat = 1 if rng.random() < 0.75 else 0
        level = CERT_LEVELS[int(rng.random() * len(CERT_LEVELS))] if rng.random() < 0.95 else None
        issue = min(AS_OF, start + rng.randint(-700, 400))
        valid_to = iso(add_years(issue, 3) - 1) if rng.random() < 0.7 else None
        revoked = 1 if rng.random() < 0.02 else 0
        grad = 1 if rng.random() < 0.05 else (0 if rng.random() < 0.7 else None)
        self.add("certificate", (self.cert_id, student, CERT_CODES[int(rng.random() * len(CERT_CODES))] + "(1+X)",
                                 in_cat, level, iso(issue), valid_to, revoked, grad))

    # -------------------------------------------------------------- enterprises
    def enterprise(self, eid):
        rng = self.rng
        r = rng.random
        above = 1 if r() < 0.45 else 0
        engaged = r() < (0.8 if above else 0.3)
        emp = min(int(math.exp(rng.gauss(4.0 + 0.8 * above, 1.1))) + 3, 100000)
        uscc = "91610482MA%08X" % rng.getrandbits(32) if r() < 0.9 else None
        country = "CN" if r() < 0.98 else (None if r() < 0.5 else "HK")
        province = PROVINCES[int(r() * len(PROVINCES))] if r() < 0.98 else None
        legal = 1 if r() < 0.95 else (0 if r() < 0.5 else None)
        edu = 0 if r() < 0.94 else (1 if r() < 0.7 else None)
        above_rec = above if r() < 0.98 else None
        leading = 1 if r() < 0.05 else 0
        venue = VENUES[int(r() * 6)] if r() < 0.012 else None
        self.add("enterprise", (eid, "彬州企业%07d有限公司" % eid, uscc, country, province, legal, edu,
                                above_rec, leading, venue))

        # headcounts: end of 2023, mid-2024, and end of 2024 for most
        for snap, p in (((2023, 12, 31), 0.8), ((2024, 6, 30), 0.9), ((2024, 12, 31), 0.75)):
            if r() < p:
                n = max(1, int(emp * rng.uniform(0.9, 1.1))) if r() < 0.98 else None
                front = int(n * rng.uniform(0.4, 0.8)) if n is not None and r() < 0.9 else None
                self.add("enterprise_headcount", (eid, iso(od(*snap)), n, front))
        # wages: 2023 and 2024 standards
        low = float(rng.randint(2000, 4200))
        for year, p in ((2023, 0.7), (2024, 0.85)):
            if r() < p:
                lmin = 2160.0 if year == 2024 else 1950.0
                self.add("enterprise_wage", (eid, "%d-01-01" % year,
                                             low + (100.0 if year == 2024 else 0.0) if r() < 0.95 else None,
                                             lmin if r() < 0.97 else None))

        # posts
        posts = []
        k_posts = 1 + (emp > 60) + (emp > 400) + (1 if r() < 0.3 else 0)
        for _ in range(k_posts):
            self.post_id += 1
            pid = self.post_id
            risk = 0 if r() < 0.9 else (1 if r() < 0.5 else None)
            lvl = rng.choices((1, 2, 3, 4), (40, 40, 12, 3))[0] if r() < 0.95 else None
            self.add("post", (pid, eid, POST_NAMES[int(r() * len(POST_NAMES))], risk, lvl))
            staff = max(1, int(emp / k_posts * rng.uniform(0.3, 0.9)))
            self.add("post_headcount", (pid, "2024-06-30", staff if r() < 0.97 else None))
            std = float(rng.randint(30, 90) * 100)
            self.add("post_wage", (pid, "2023-01-01", std if r() < 0.95 else None,
                                   money(std * 0.8) if r() < 0.9 else None))
            posts.append((pid, std))

        # designations, credit events, activities
        designated = r() < (0.18 if engaged else 0.03)
        if designated:
            self.desig_id += 1
            res_from = od(2019, 6, 1) + rng.randint(0, 1600)
            revoked = None
            reason = None
            if r() < 0.04:
                revoked = iso(min(AS_OF, res_from + rng.randint(100, 1500)))
                reason = REVOKE_REASONS[int(r() * 7)] if r() < 0.9 else None
            self.add("designation", (self.desig_id, eid, "CJRH_RESERVE", DESIG_LEVELS[int(r() * 3)],
                                     iso(res_from), None if r() < 0.7 else iso(add_years(res_from, 3)),
                                     None, revoked, reason))
            if r() < 0.4:
                self.desig_id += 1
                cert = res_from + rng.randint(200, 900)
                self.add("designation", (self.desig_id, eid, "CJRH_CERTIFIED", DESIG_LEVELS[int(r() * 3)],
                                         iso(cert), iso(add_years(cert, 3) - 1) if r() < 0.8 else None,
                                         iso(cert) if r() < 0.95 else None, None, None))
            if r() < 0.05:
                self.desig_id += 1
                demo = od(2021, 1, 1) + rng.randint(0, 1300)
                self.add("designation", (self.desig_id, eid, "CITY_DEMO", "CITY", iso(demo), None,
                                         None, None, None))
        if r() < 0.04:
            for _ in range(1 + (r() < 0.2)):
                self.event_id += 1
                kind = CREDIT_KINDS[int(r() * 7)]
                start = od(2018, 1, 1) + rng.randint(0, 2550)
                end = None
                if kind == "BLACKLIST":
                    end = iso(start + rng.randint(90, 900)) if r() < 0.6 else None
                elif r() < 0.5:
                    end = iso(start)
                self.add("credit_event", (self.event_id, eid, kind, iso(start), end))
        if r() < (0.45 if engaged else 0.06):
            for _ in range(1 + (r() < 0.3)):
                self.activity_id += 1
                start = od(2017, 1, 1) + rng.randint(0, 2800)
                self.add("qualifying_activity", (self.activity_id, eid, ACTIVITY_KINDS[int(r() * 6)],
                                                 rng.randint(1, self.n_schools) if r() < 0.7 else None,
                                                 iso(start),
                                                 None if r() < 0.6 else iso(start + rng.randint(200, 1500))))

        # internships
        if r() < (0.25 if engaged else 0.7):
            k = 0
        else:
            k = 1 + int(emp * (rng.uniform(0.005, 0.05) if engaged else rng.uniform(0.0, 0.02)))
            k = min(k, 80)
        for _ in range(k):
            self.internship(eid, posts, engaged, low)

        # apprenticeships
        if r() < (0.55 if engaged else 0.9):
            m = 0
        else:
            m = 1 + int(-math.log(1.0 - r()) * 0.8)
        if m:
            ent_mentors = []
            for _ in range(1 + (m > 2)):
                self.mentor_id += 1
                lvl = SKILLS[int(r() * 5)] if r() < 0.93 else None
                self.add("mentor", (self.mentor_id, "ENTERPRISE", eid, None, "企业导师%d" % self.mentor_id, lvl))
                ent_mentors.append(self.mentor_id)
            for _ in range(m):
                self.apprenticeship(eid, ent_mentors, engaged)

        # money: education fund, investments, surcharges
        if r() < 0.88:
            avg_wage = rng.uniform(4500, 9000)
            carry = money(rng.uniform(0, 20000)) if r() < 0.15 else None
            years = (2023, 2024) if r() < 0.85 else (2024,)
            for i, y in enumerate(years):
                wages = money(emp * avg_wage * 12 * rng.uniform(0.95, 1.05))
                extracted = money(wages * rng.uniform(0.012, 0.03)) if r() < 0.97 else None
                expense = money(wages * rng.uniform(0.005, 0.1)) if r() < 0.97 else None
                total = float(int(wages * rng.uniform(0.004, 0.02)) // 5 * 5 + 5)
                u = r()
                if u < 0.02:
                    front = total * 3 // 5                       # exactly 60%
                elif u < 0.04:
                    front = None
                else:
                    front = float(round(total * (rng.uniform(0.5, 0.95) if engaged else rng.uniform(0.1, 0.75))))
                self.add("edu_fund_year", (eid, y, wages if r() < 0.98 else None, extracted, expense,
                                           total, front, carry if i == 0 else None))
        if r() < (0.12 if designated else 0.01):
            for _ in range(1 + (r() < 0.3)):
                self.invest_id += 1
                d = od(2018, 6, 1) + rng.randint(0, 2300)
                self.add("voc_investment", (self.invest_id, eid, iso(min(d, AS_OF)),
                                            float(rng.randint(10, 500) * 1000), VOC_CATEGORIES[int(r() * 4)],
                                            iso(min(AS_OF, d + rng.randint(100, 900))) if r() < 0.05 else None))
        if r() < 0.8:
            base = money(emp * rng.uniform(150, 600))
            carry = money(rng.uniform(0, 5000)) if r() < 0.05 else None
            years = (2022, 2023, 2024) if r() < 0.6 else (2023, 2024)
            for i, y in enumerate(years):
                edu = money(base * rng.uniform(0.9, 1.1)) if r() < 0.98 else None
                self.add("surcharge_year", (eid, y, edu, money(edu * 2 / 3) if edu is not None else None,
                                            carry if i == 0 else None))

    def internship(self, eid, posts, engaged, low_wage):
        rng = self.rng
        r = rng.random
        self.internship_id += 1
        iid = self.internship_id
        post_type = r() < 0.65
        start = od(2023, 2, 1) + rng.randint(0, 680)
        if post_type:
            end = start + rng.randint(30, 200)
        else:
            end = start + rng.randint(3, 30)
        stud, school, birth = self.student(start)
        birth_o = datetime.date.fromisoformat(birth).toordinal() if birth else None
        if post_type:
            indep = 1 if r() < 0.5 else 0
            post = rng.choice(posts) if r() < 0.95 else None
        else:
            indep = 0
            post = rng.choice(posts) if r() < 0.3 else None
        grade = rng.choices((1, 2, 3), (10, 45, 45))[0] if r() < 0.97 else None
        matched = 1 if r() < (0.8 if engaged else 0.5) else (0 if r() < 0.85 else None)
        self.add("internship", (iid, stud, eid, post[0] if post else None, "POST" if post_type else "COGNITIVE",
                                indep, iso(start), iso(end), grade, matched,
                                1 if r() < 0.01 else 0, 1 if r() < 0.02 else 0,
                                0.0 if r() < 0.98 else float(rng.randint(1, 8) * 100)))
        # agreement (POST mostly; a few COGNITIVE too)
        if r() < (0.92 if post_type else 0.25):
            full = r() < 0.93
            u = r()
            signed = None if u < 0.03 else iso(start - rng.randint(0, 40) if u < 0.9 else start + rng.randint(1, 20))
            self.add("internship_agreement", (iid, 1, 1 if full or r() < 0.5 else 0, 1 if full else 0, signed))
        # guardian consent for minors (POST)
        if post_type and birth is not None and add_years(birth_o, 18) > start:
            if r() < 0.85:
                self.add("guardian_consent", (iid, iso(start - rng.randint(-5, 30))))
        # insurance
        if r() < 0.93:
            cs = start - rng.randint(0, 10)
            ce = end + rng.randint(0, 30) if r() < 0.92 else end - rng.randint(1, 20)
            self.add("internship_insurance", (iid, "PICC%09d" % iid if r() < 0.9 else None, iso(cs), iso(max(cs, ce))))
        # payments: POST internships, one row per month from the start month to min(end, as_of)
        if post_type:
            base = post[1] if post else low_wage
            last = min(end, AS_OF)
            m = od(int(ISO[start][:4]), int(ISO[start][5:7]), 1)
            skip = r() < 0.05
            while m <= last:
                if not (skip and r() < 0.3):
                    ratio = rng.uniform(0.75, 1.05)
                    form = "MONEY" if r() < 0.96 else ("GOODS" if r() < 0.5 else "VOUCHER")
                    self.add("internship_payment", (iid, month_of(m), money(base * ratio), form,
                                                    1 if r() < 0.95 else 0))
                m = next_month_first(m)
        # a few timesheet days
        if r() < 0.05:
            d = start
            for _ in range(rng.randint(2, 6)):
                if d > min(end, AS_OF):
                    break
                hours = rng.choice((8.0, 8.0, 8.0, 7.5, 6.0, 9.0, 10.5))
                night = 0.0 if r() < 0.95 else 2.0
                self.add("timesheet", (iid, iso(d), hours, night))
                d += rng.randint(1, 3)

    def apprenticeship(self, eid, ent_mentors, engaged):
        rng = self.rng
        r = rng.random
        self.appr_id += 1
        aid = self.appr_id
        start = od(2022, 3, 1) + rng.randint(0, 1000)
        end = iso(start + rng.randint(365, 1100)) if r() < 0.9 else None
        if r() < 0.5:
            stud, school, birth = self.student(start)
            signed = None if r() < 0.06 else iso(start - rng.randint(0, 60) if r() < 0.88 else start + rng.randint(1, 30))
            row = (aid, "MODERN", stud, None, eid, school, iso(start), end, None, 0, None, None, signed, None)
        else:
            school = rng.randint(1, self.n_schools) if r() < 0.6 else None
            birth = iso(start - int(rng.uniform(15.8, 40) * 365.25)) if r() < 0.95 else None
            months = rng.choices((10, 12, 18, 24, 30, 36), (3, 30, 30, 30, 4, 3))[0] if r() < 0.96 else None
            ext = 1 if (months or 0) > 24 and r() < 0.7 else 0
            cstart = iso(start - rng.randint(0, 30)) if r() < 0.93 else None
            cend = None
            if cstart is not None and r() < 0.8:
                cend = iso(add_years(datetime.date.fromisoformat(cstart).toordinal(), rng.choice((1, 2, 3))) - rng.choice((1, 1, 1, 30)))
            wage = float(rng.randint(18, 60) * 100) if r() < 0.95 else None
            row = (aid, "NE", None, birth, eid, school, iso(start), end, months, ext, cstart, cend, None, wage)
        self.add("apprenticeship", row)
        # mentor assignments: a school mentor and an enterprise mentor, most of the time
        if r() < 0.9:
            sch = school or rng.randint(1, self.n_schools)
            mid = rng.choice(self.school_mentors[sch]) if r() < 0.96 else None
            self.add("mentor_assignment", (aid, mid, "SCHOOL", iso(start), end))
        if r() < 0.93:
            mid = rng.choice(ent_mentors) if r() < 0.97 else None
            self.add("mentor_assignment", (aid, mid, "ENTERPRISE", iso(start), end if r() < 0.9 else iso(start + 200)))

    # ------------------------------------------------------------------- city-wide
    def city(self):
        rng = self.rng
        for h in HOLIDAYS:
            self.add("holiday", h)
        self.add("subsidy_standard", (1, "彬州市", 4000.0, "2019-03-01"))
        self.add("subsidy_standard", (2, "彬州市", 4500.0, "2021-08-01"))
        cid = 0
        funcs = ["实训科研|技能培训|综合实践", "实训科研|技能培训", None]
        for kind in CARRIER_KINDS:
            for _ in range(rng.randint(1, 5)):
                cid += 1
                rec = iso(od(2020, 1, 1) + rng.randint(0, 1600)) if rng.random() < 0.9 else None
                self.add("carrier", (cid, kind, "%s载体%d" % (kind, cid),
                                     rng.randint(1, self.n) if kind in ("DEMO_ENTERPRISE", "TRAINING_BASE") else None,
                                     rng.randint(1, self.n_schools) if rng.random() < 0.5 else None,
                                     rng.randint(1, self.n_majors) if kind == "BRAND_MAJOR" else None,
                                     rec, iso(od(2024, 3, 1)) if rng.random() < 0.05 else None,
                                     (1 if rng.random() < 0.8 else 0) if kind == "EXPERIENCE_CENTER" else None,
                                     (1 if rng.random() < 0.8 else 0) if kind == "TRAINING_BASE" else None,
                                     rng.choice(funcs) if kind == "TRAINING_BASE" else None))


def main():
    ap = argparse.ArgumentParser(description="Synthetic city in the ronghe data-model schema.")
    ap.add_argument("out", help="database to create (replaced if it exists)")
    ap.add_argument("n", type=int, help="number of enterprises")
    ap.add_argument("--seed", type=int, default=20241231)
    ap.add_argument("--ronghe", metavar="EXE", help="create the schema with `EXE init` instead of db/*.sql")
    a = ap.parse_args()
    if a.n < 1:
        sys.exit("gen_city: N must be at least 1")
    t0 = time.time()
    for suffix in ("", "-wal", "-shm", "-journal"):
        if os.path.exists(a.out + suffix):
            os.remove(a.out + suffix)
    create_schema(a.out, a.ronghe)
    db = sqlite3.connect(a.out, isolation_level=None)
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-262144")
    db.execute("BEGIN")
    g = Gen(db, a.n, a.seed)
    g.schools()
    g.city()
    g.flush()
    for eid in range(1, a.n + 1):
        g.enterprise(eid)
        if eid % 5000 == 0:
            g.flush()
    g.flush()
    db.execute("COMMIT")
    db.execute("ANALYZE")
    db.close()
    total = sum(g.count.values())
    size = os.path.getsize(a.out)
    print("gen_city: %s: %d enterprises, %d internships, %d apprenticeships, %d students, %d rows in all, "
          "%.0f MiB, %.1f s" % (a.out, g.count["enterprise"], g.count["internship"], g.count["apprenticeship"],
                                g.count["student"], total, size / 1048576, time.time() - t0))


if __name__ == "__main__":
    main()
