"""The synthetic chain data generator writes realistic, linked, valid deliveries, reproducibly.

Files are generated into tmp_path and read back with pandas/pyarrow/openpyxl directly;
expectations come from the contract and DOMAIN.md, not from the generator's own numbers.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook

from expectations.validate import validate_file
from sources.definitions import load_definitions
from synthetic import generate

DEFS = load_definitions()
END_MONTH = "2026-10"
PEILDATUMS = [date(2026, 8, 31), date(2026, 9, 30), date(2026, 10, 31)]
DEFECT_PEILDATUM = date(2026, 11, 30)
WAITING_GI = "JBRR"
PATH_RE = re.compile(
    r"^inbox/(?P<org>[A-Z][A-Z0-9_]*)/(?P<bron>[a-z_]+)/(?P<peil>\d{4}-\d{2}-\d{2})\.(csv|xlsx|parquet)$"
)
JB = {c.code for c in DEFS.codelijsten["maatregel_type"].codes if c.kader == "JB"}
JR = {c.code for c in DEFS.codelijsten["maatregel_type"].codes if c.kader == "JR"}
ORG_TYPE = {o.organisatie_code: o.organisatie_type for o in DEFS.organisaties}


# --- reading deliveries, independently of the generator --------------------------------


def _raw(path: Path) -> pd.DataFrame:
    """The file as a table of text (CSV), native values (xlsx) or arrow types (parquet)."""
    if path.suffix == ".parquet":
        return pq.read_table(path).to_pandas()
    if path.suffix == ".xlsx":
        ws = load_workbook(path, read_only=True).worksheets[0]
        rows = list(ws.iter_rows(values_only=True))
        return pd.DataFrame(rows[1:], columns=rows[0], dtype=object)
    data = path.read_bytes()
    header = data.decode("utf-8-sig").split("\n", 1)[0]
    delimiter = ";" if ";" in header else ","
    names = [n.strip() for n in header.strip().split(delimiter)]
    table = pacsv.read_csv(
        io.BytesIO(data),
        parse_options=pacsv.ParseOptions(delimiter=delimiter),
        convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names}, strings_can_be_null=True),
    )
    return table.to_pandas()


def _dates(s: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(s):
        return s.astype("datetime64[ns]")
    if s.dropna().map(lambda v: isinstance(v, str)).all():
        text = s.astype(object).where(s.notna() & (s.astype(object) != ""), None)
        iso = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
        dutch = pd.to_datetime(text, format="%d-%m-%Y", errors="coerce")
        return iso.fillna(dutch).astype("datetime64[ns]")
    return pd.to_datetime(s).astype("datetime64[ns]")


def _booleans(s: pd.Series) -> pd.Series:
    mapping = {"true": True, "false": False, "ja": True, "nee": False, "1": True, "0": False}
    return s.map(lambda v: v if isinstance(v, bool) or v is None else mapping.get(str(v).lower())).astype("boolean")


def _numbers(s: pd.Series) -> pd.Series:
    text = s.astype(object).map(lambda v: v.replace(",", ".") if isinstance(v, str) else v)
    return pd.to_numeric(text.replace("", None)).astype("Float64")


def read_delivery(path: Path, bron: str) -> pd.DataFrame:
    """A delivery typed by the definitions: dates datetime64, integers Int64, decimals Float64, text str."""
    raw = _raw(path)
    out = {}
    for kolom in DEFS.bronnen[bron].kolommen:
        s, basis = raw[kolom.naam], DEFS.typen[kolom.type].basis
        if basis == "date":
            out[kolom.naam] = _dates(s)
        elif basis == "boolean":
            out[kolom.naam] = _booleans(s)
        elif basis in ("integer", "decimal"):
            out[kolom.naam] = _numbers(s).astype("Int64") if basis == "integer" else _numbers(s)
        else:
            s = s.astype(object)
            out[kolom.naam] = s.where(s.notna() & (s != ""), None)
    return pd.DataFrame(out)


def deliveries(root: Path) -> dict[tuple[str, str, date], Path]:
    """(organisatie_code, bron, peildatum) -> path, for every file under inbox/."""
    found = {}
    for path in sorted((root / "inbox").rglob("*")):
        if path.is_file():
            m = PATH_RE.match(path.relative_to(root).as_posix())
            assert m, f"unexpected path {path}"
            found[(m["org"], m["bron"], date.fromisoformat(m["peil"]))] = path
    return found


def latest(root: Path, bron: str, peil: date) -> pd.DataFrame:
    """All organisations' deliveries of `bron` on `peil`, concatenated, with organisatie_code."""
    frames = []
    for (org, b, p), path in deliveries(root).items():
        if b == bron and p == peil:
            frames.append(read_delivery(path, bron).assign(organisatie_code=org))
    return pd.concat(frames, ignore_index=True)


def sha256_tree(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


# --- chain helpers (docs/contract.md section 4, doorstroom) -------------------------------------


def link(left: pd.DataFrame, right: pd.DataFrame, left_on: str, right_on: str, max_days: int = 365) -> pd.Series:
    """For each left row: the index of the right row of the same kind_id with the latest right_on on or before
    left_on, at most max_days before; NaN when none."""
    lt = left[["kind_id", left_on]].dropna().reset_index().rename(columns={"index": "li"})
    rt = right[["kind_id", right_on]].dropna().reset_index().rename(columns={"index": "ri"})
    merged = lt.merge(rt, on="kind_id")
    merged = merged[
        (merged[right_on] <= merged[left_on]) & (merged[left_on] - merged[right_on] <= pd.Timedelta(max_days, "D"))
    ]
    best = merged.sort_values([right_on, "ri"]).groupby("li").tail(1).set_index("li")["ri"]
    return best.reindex(left.index)


def anchors(rvo: pd.DataFrame) -> pd.DataFrame:
    """Contract 4.3: an investigation links by its datum_rekest or its datum_spoedverzoek (one row per date)."""
    rows = [
        rvo[["kind_id", kolom]].dropna().rename(columns={kolom: "anker"}).rename_axis("onderzoek").reset_index()
        for kolom in ("datum_rekest", "datum_spoedverzoek")
    ]
    return pd.concat(rows, ignore_index=True)


def vt_regions() -> set[str]:
    return {w.jeugdregio_code for w in DEFS.werkgebieden if ORG_TYPE[w.organisatie_code] == "VT"}


def regio_of() -> dict[str, str]:
    return {g.gemeente_code: g.jeugdregio_code for g in DEFS.gemeenten}


def running(gim: pd.DataFrame, peil: date) -> pd.Series:
    p = pd.Timestamp(peil)
    return (gim["datum_uitspraak"] <= p) & (gim["datum_einde"].isna() | (gim["datum_einde"] > p))


# --- fixtures -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("demo")
    summary = generate(root, scale="demo", end_month=END_MONTH, defects=True, snapshots=len(PEILDATUMS))
    return root, summary


@pytest.fixture(scope="module")
def demo_latest(demo) -> dict[str, pd.DataFrame]:
    root, _ = demo
    return {bron: latest(root, bron, PEILDATUMS[-1]) for bron in DEFS.bronnen}


# --- layout, columns, formats, determinism -------------------------------------------------


def test_same_seed_gives_identical_files_and_another_seed_different_ones(demo, tmp_path: Path) -> None:
    root, _ = demo
    n = len(PEILDATUMS)
    generate(tmp_path / "again", scale="demo", end_month=END_MONTH, defects=True, snapshots=n)
    generate(tmp_path / "other", scale="demo", end_month=END_MONTH, defects=True, seed=7, snapshots=n)
    first, again, other = sha256_tree(root), sha256_tree(tmp_path / "again"), sha256_tree(tmp_path / "other")
    assert first == again
    data_files = [k for k in first if k.startswith("inbox/") and not k.endswith(".xlsx")]
    assert data_files and all(first[k] != other.get(k) for k in data_files if "gi_capaciteit" not in k)


def test_every_organisation_delivers_each_allowed_bron_every_month(demo) -> None:
    root, summary = demo
    found = deliveries(root)
    defect_paths = {(root / d["pad"]) for d in json.loads((root / "defects.json").read_text())["defecten"]}
    regular = {k: p for k, p in found.items() if p not in defect_paths}
    expected = {
        (o.organisatie_code, bron, peil)
        for o in DEFS.organisaties
        for bron, b in DEFS.bronnen.items()
        if o.organisatie_type in b.organisatie_types
        for peil in PEILDATUMS
    }
    assert set(regular) == expected
    assert {f.path for f in summary.files} == set(regular.values())
    assert summary.total_rows == sum(f.rows for f in summary.files) > 0


def test_columns_are_the_definitions_columns_in_order(demo) -> None:
    root, _ = demo
    for (_, bron, peil), path in deliveries(root).items():
        if peil in PEILDATUMS:
            assert list(_raw(path).columns) == DEFS.bronnen[bron].kolomnamen, path


def test_formats_are_those_real_suppliers_send(demo) -> None:
    root, _ = demo
    kinds = set()
    for (_, bron, peil), path in deliveries(root).items():
        if peil not in PEILDATUMS:
            continue
        dates = [k.naam for k in DEFS.bronnen[bron].kolommen if DEFS.typen[k.type].basis == "date"]
        if path.suffix == ".csv":
            data = path.read_bytes()
            if data.startswith(b"\xef\xbb\xbf"):
                kinds.add("csv_nl")
                first = data.decode("utf-8-sig").split("\r\n")[1].split(";")
                assert b"\r\n" in data and ";" in data.split(b"\r\n")[0].decode()
                value = first[DEFS.bronnen[bron].kolomnamen.index(dates[0])]
                assert re.fullmatch(r"\d{2}-\d{2}-\d{4}", value), path
            else:
                kinds.add("csv")
                assert b"\r" not in data and b";" not in data
                first = data.decode("utf-8").split("\n")[1].split(",")
                assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", first[DEFS.bronnen[bron].kolomnamen.index(dates[0])]), path
        elif path.suffix == ".xlsx":
            kinds.add("xlsx")
            ws = load_workbook(path).worksheets[0]
            header = [c.value for c in ws[1]]
            assert ws.cell(row=2, column=header.index(dates[0]) + 1).is_date, path
        else:
            kinds.add("parquet")
            schema = pq.read_schema(path)
            for kolom in DEFS.bronnen[bron].kolommen:
                basis = DEFS.typen[kolom.type].basis
                if basis == "date":
                    assert schema.field(kolom.naam).type == pa.date32()
                elif basis == "integer":
                    assert pa.types.is_integer(schema.field(kolom.naam).type)
    assert kinds == {"csv", "csv_nl", "xlsx", "parquet"}


# --- the contract's error rules, checked by the rule engine that reads definitions/ -------


def problems(root: Path, path: Path) -> set[str]:
    """The error rules a delivery breaks, by the same validation the pipeline runs."""
    report = validate_file(path, DEFS, inbox=root / "inbox")
    return {r.code for r in report.errors}


def test_every_regular_delivery_satisfies_the_contract(demo) -> None:
    root, _ = demo
    for (_, _, peil), path in deliveries(root).items():
        if peil in PEILDATUMS:
            assert problems(root, path) == set(), path


def test_municipalities_are_valid_on_the_records_start_date(demo_latest) -> None:
    geldig = {g.gemeente_code: (g.geldig_van or date.min, g.geldig_tot or date.max) for g in DEFS.gemeenten}
    peil = pd.Timestamp(PEILDATUMS[-1])
    for bron, start in (("gi_maatregelen", "datum_uitspraak"), ("vt_meldingen", "datum_ontvangst")):
        df = demo_latest[bron]
        van = df["gemeente_code"].map(lambda g: pd.Timestamp(geldig[g][0]) if geldig[g][0] > date.min else pd.NaT)
        tot = df["gemeente_code"].map(lambda g: pd.Timestamp(geldig[g][1]) if geldig[g][1] < date.max else pd.NaT)
        at_start = ~(df[start] < van) & ~(df[start] > tot)
        # A child that moved shows its new municipality on all its records (contract 4.5): valid now.
        now = ~(peil < van) & ~(peil > tot)
        assert (at_start | now).all() and at_start.mean() > 0.95
    # The merger of Heerhugowaard and Langedijk into Dijk en Waard (2022) shows up.
    vtm = demo_latest["vt_meldingen"]
    assert {"GM0398", "GM1980"} <= set(vtm["gemeente_code"])


def test_a_later_delivery_corrects_and_withdraws_records_of_an_earlier_one(demo) -> None:
    root, _ = demo
    found = deliveries(root)
    withdrawn = corrected = 0
    for bron in ("gi_maatregelen", "vt_meldingen", "rvdk_onderzoeken"):
        # A record is its key: (melding_id, kind_id) for Veilig Thuis, where one melding may concern siblings.
        sleutel = DEFS.bronnen[bron].sleutel
        dates = [k.naam for k in DEFS.bronnen[bron].kolommen if DEFS.typen[k.type].basis == "date"]

        def read(path: Path, sleutel: list[str] = sleutel, bron: str = bron) -> pd.DataFrame:
            df = read_delivery(path, bron)
            return df.assign(**{k: df[k].fillna("") for k in sleutel}).set_index(sleutel)

        for org in sorted({o for (o, b, p) in found if b == bron and p == PEILDATUMS[0]}):
            first = read(found[(org, bron, PEILDATUMS[0])])
            last = read(found[(org, bron, PEILDATUMS[-1])])
            withdrawn += len(first.index.difference(last.index))
            both = first.index.intersection(last.index)
            cutoff = pd.Timestamp(PEILDATUMS[0])
            for kolom in dates:
                a, b = first.loc[both, kolom], last.loc[both, kolom]
                # A date known in the first delivery and different later (not a blanked-then-filled one).
                corrected += int((a.notna() & b.notna() & (b <= cutoff) & (a != b)).sum())
    # Rare, but present: a handful per delivery at demo scale.
    assert 1 <= withdrawn <= 40
    assert 1 <= corrected <= 40


# --- the chain ----------------------------------------------------------------------------


def test_jb_measures_link_to_the_raad_and_veilig_thuis_in_realistic_shares(demo_latest) -> None:
    gim, rvo, vtm = demo_latest["gi_maatregelen"], demo_latest["rvdk_onderzoeken"], demo_latest["vt_meldingen"]
    jb = gim[gim["maatregel_type"].isin(JB) & (gim["datum_uitspraak"] >= pd.Timestamp("2019-07-01"))].copy()
    a = anchors(rvo)
    found = link(jb, a, "datum_uitspraak", "anker")
    jb["onderzoek"] = found.map(lambda i: a["onderzoek"].iloc[int(i)] if pd.notna(i) else None)
    linked = jb[jb["onderzoek"].notna()]
    share_rvdk = len(linked) / len(jb)
    assert 0.80 <= share_rvdk <= 0.95, share_rvdk

    regio = regio_of()
    in_vt_region = linked[linked["gemeente_code"].map(regio).isin(vt_regions())]
    onderzoeken = rvo.loc[in_vt_region["onderzoek"].astype(int)].reset_index(drop=True)
    verzoeken = vtm[vtm["datum_verzoek_rvdk"].notna()]
    share_vt = link(onderzoeken, verzoeken, "datum_verzoek", "datum_verzoek_rvdk").notna().mean()
    assert 0.50 <= share_vt <= 0.67, share_vt

    # The rest of Veilig Thuis traffic never reaches the Raad.
    assert (vtm["vervolg"] == "VERZOEK_ONDERZOEK_RVDK").mean() < 0.1


def test_raad_rekest_rate_and_jr_from_strafonderzoek(demo_latest) -> None:
    rvo, gim = demo_latest["rvdk_onderzoeken"], demo_latest["gi_maatregelen"]
    done = rvo[(rvo["soort"] == "BESCHERMINGSONDERZOEK") & rvo["datum_afgerond"].notna()]
    rate = (done["uitkomst"] == "VERZOEK_MAATREGEL").mean()
    assert 0.65 <= rate <= 0.72, rate
    jr = gim[gim["maatregel_type"].isin(JR) & (gim["datum_uitspraak"] >= pd.Timestamp("2019-07-01"))].copy()
    straf = rvo[rvo["soort"] == "STRAFONDERZOEK"]
    share = link(jr, straf, "datum_uitspraak", "datum_afgerond").notna().mean()
    assert share >= 0.6, share


def test_follow_on_measures_voorlopige_ots_omgezet_voogdij_and_transfers(demo_latest) -> None:
    gim = demo_latest["gi_maatregelen"]
    vots = gim[(gim["maatregel_type"] == "VOORLOPIGE_OTS") & gim["datum_einde"].notna()]
    assert ((vots["datum_einde"] - vots["datum_uitspraak"]).dt.days <= 92).all()
    omgezet = vots[vots["reden_einde"] == "OMGEZET"]
    ots = gim[gim["maatregel_type"] == "OTS"][
        ["kind_id", "organisatie_code", "datum_uitspraak", "datum_jeugdbeschermer"]
    ]
    follow = omgezet.merge(ots, on=["kind_id", "organisatie_code"], suffixes=("", "_ots"))
    # The OTS is pronounced on the day the voorlopige OTS ends or within a week.
    follow = follow[(follow["datum_uitspraak_ots"] - follow["datum_einde"]).dt.days.between(0, 7)]
    followed = len(follow[["organisatie_code", "maatregel_id"]].drop_duplicates())
    assert len(omgezet) >= 20 and followed / len(omgezet) > 0.95
    # The OTS keeps the worker of the voorlopige OTS: assigned before its own uitspraak.
    assert (follow["datum_jeugdbeschermer_ots"] < follow["datum_uitspraak_ots"]).mean() > 0.7
    voogdij_after_ots = gim[gim["maatregel_type"] == "OTS"].merge(
        gim[gim["maatregel_type"] == "VOOGDIJ"], on="kind_id", suffixes=("", "_v")
    )
    assert (
        (voogdij_after_ots["reden_einde"] == "OMGEZET")
        & (voogdij_after_ots["datum_einde"] == voogdij_after_ots["datum_uitspraak_v"])
    ).sum() >= 3
    assert not (gim["reden_einde"] == "VERHUISD").any()
    # Measures end every month; most OTS because the goal was reached, most voogdij at 18.
    ended = gim[gim["datum_einde"] >= pd.Timestamp("2020-01-01")]
    assert ended["datum_einde"].dt.to_period("M").nunique() >= 60
    assert ended[ended["maatregel_type"] == "OTS"]["reden_einde"].value_counts().idxmax() == "DOEL_BEREIKT"
    assert ended[ended["maatregel_type"] == "VOOGDIJ"]["reden_einde"].value_counts().idxmax() == "MEERDERJARIG"
    ages = gim["datum_uitspraak"].dt.year - gim["geboortejaar"]
    assert ages[gim["maatregel_type"].isin(JB)].between(0, 17).all()
    assert ages[gim["maatregel_type"].isin(JR)].between(12, 22).all()


def test_hand_overs_between_gis_keep_the_court_measure(demo_latest) -> None:
    gim = demo_latest["gi_maatregelen"]
    over = gim[gim["reden_einde"] == "OVERGEDRAGEN"]
    taken = gim[gim["datum_start_bij_gi"].notna()]
    pairs = over.merge(taken, on=["kind_id", "maatregel_type", "datum_uitspraak"], suffixes=("", "_n"))
    pairs = pairs[
        (pairs["organisatie_code"] != pairs["organisatie_code_n"])
        & (pairs["datum_start_bij_gi_n"] >= pairs["datum_einde"])
        & ((pairs["datum_start_bij_gi_n"] - pairs["datum_einde"]).dt.days <= 14)
    ]
    handed = len(pairs[["organisatie_code", "maatregel_id"]].drop_duplicates())
    assert len(pairs) >= 10 and handed / len(over) > 0.9
    assert (taken["datum_start_bij_gi"] > taken["datum_uitspraak"]).all()
    # The receiving GI is notified near the take-over and assigns its own worker after it.
    kennis = (pairs["datum_in_kennisstelling_n"] - pairs["datum_start_bij_gi_n"]).dt.days
    assert kennis.between(-7, 14).all()
    worker = pairs[pairs["datum_jeugdbeschermer_n"].notna()]
    assert (worker["datum_jeugdbeschermer_n"] >= worker["datum_in_kennisstelling_n"]).all()
    # The new GI serves the municipality the child moved to (werkgebieden).
    serves = {(w.organisatie_code, w.jeugdregio_code) for w in DEFS.werkgebieden}
    regio = regio_of()
    nieuw = zip(pairs["organisatie_code_n"], pairs["gemeente_code_n"], strict=True)
    assert all((o, regio[g]) in serves for o, g in nieuw)


def test_every_voorlopige_ots_comes_from_an_urgent_request(demo_latest) -> None:
    gim, rvo = demo_latest["gi_maatregelen"], demo_latest["rvdk_onderzoeken"]
    vots = gim[gim["maatregel_type"] == "VOORLOPIGE_OTS"].reset_index()
    spoed = rvo[rvo["datum_spoedverzoek"].notna()]
    assert (spoed["datum_spoedverzoek"] >= spoed["datum_verzoek"]).all()
    m = vots.merge(spoed[["kind_id", "datum_spoedverzoek"]], on="kind_id")
    m = m[(m["datum_uitspraak"] - m["datum_spoedverzoek"]).dt.days.between(0, 14)]
    # Nearly all: an unborn child's investigation has no kind_id.
    assert m["index"].nunique() / len(vots) >= 0.93
    share = link(vots, anchors(rvo), "datum_uitspraak", "anker").notna().mean()
    assert share >= 0.93, share
    # Who asked: Veilig Thuis for the investigations it requested, mostly the OM for a strafonderzoek.
    assert set(rvo["verzoeker"].dropna()) <= {c.code for c in DEFS.codelijsten["verzoeker"].codes}
    straf = rvo[rvo["soort"] == "STRAFONDERZOEK"]["verzoeker"]
    assert straf.value_counts(normalize=True).idxmax() == "OM"
    assert (rvo["verzoeker"] == "VEILIG_THUIS").any() and rvo["verzoeker"].notna().all()


def test_anonymous_advice_and_siblings_in_one_melding(demo_latest) -> None:
    vtm = demo_latest["vt_meldingen"]
    advies, melding = vtm[vtm["soort"] == "ADVIES"], vtm[vtm["soort"] == "MELDING"]
    assert 0.25 <= advies["kind_id"].isna().mean() <= 0.45
    assert melding["kind_id"].notna().all()
    assert advies[advies["kind_id"].isna()]["geboortejaar"].isna().mean() > 0.5
    assert not vtm.duplicated(["organisatie_code", "melding_id", "kind_id"]).any()
    per_melding = vtm.groupby(["organisatie_code", "melding_id"])
    children = per_melding["kind_id"].nunique()
    assert (children >= 2).sum() >= 20 and children.max() <= 3
    # Siblings share municipality and dates.
    for kolom in ("gemeente_code", "soort", "datum_ontvangst", "datum_afgerond", "vervolg"):
        assert (per_melding[kolom].nunique(dropna=False) == 1).all(), kolom


def test_children_move_between_snapshots(demo) -> None:
    root, _ = demo
    first, last = latest(root, "gi_maatregelen", PEILDATUMS[0]), latest(root, "gi_maatregelen", PEILDATUMS[-1])
    both = first.merge(last, on=["organisatie_code", "maatregel_id"], suffixes=("_a", "_b"))
    moved = both[both["gemeente_code_a"] != both["gemeente_code_b"]]
    assert len(moved) >= 1
    # A move shows on all the child's records of that organisation in the later delivery.
    later = last[last["kind_id"].isin(moved["kind_id_a"])].groupby(["organisatie_code", "kind_id"])
    assert (later["gemeente_code"].nunique() == 1).all()
    vt_first, vt_last = latest(root, "vt_meldingen", PEILDATUMS[0]), latest(root, "vt_meldingen", PEILDATUMS[-1])
    vt = vt_first.merge(vt_last, on=["organisatie_code", "melding_id", "kind_id"], suffixes=("_a", "_b"))
    assert (vt["gemeente_code_a"] != vt["gemeente_code_b"]).sum() >= 10


def test_jr_youths_up_to_22_and_no_age_warnings(demo) -> None:
    root, _ = demo
    gim = latest(root, "gi_maatregelen", PEILDATUMS[-1])
    jr = gim[gim["maatregel_type"].isin(JR)]
    assert ((jr["datum_uitspraak"].dt.year - jr["geboortejaar"]) >= 19).sum() >= 10
    assert (jr[jr["datum_uitspraak"].dt.year == 2019]["datum_uitspraak"].dt.year - jr["geboortejaar"]).max() >= 20
    # Valid data raise no age warning (nor the retired VERHUISD code).
    age_rules = {"GIM-W02", "VTM-W02", "RVO-W02", "ALG-CODE-W01"}
    for (_, _, peil), path in deliveries(root).items():
        if peil == PEILDATUMS[-1]:
            report = validate_file(path, DEFS, inbox=root / "inbox")
            assert not ({r.code for r in report.warnings} & age_rules), path


def test_delays_between_the_steps_are_plausible(demo_latest) -> None:
    gim, rvo, vtm = demo_latest["gi_maatregelen"], demo_latest["rvdk_onderzoeken"], demo_latest["vt_meldingen"]

    def median_days(end: pd.Series, start: pd.Series) -> float:
        return float((end - start).dt.days.dropna().median())

    verzoek = vtm[vtm["datum_verzoek_rvdk"].notna()]
    assert 21 <= median_days(verzoek["datum_verzoek_rvdk"], verzoek["datum_ontvangst"]) <= 70
    bescherming = rvo[rvo["soort"] == "BESCHERMINGSONDERZOEK"]
    assert 7 <= median_days(bescherming["datum_start"], bescherming["datum_verzoek"]) <= 42
    assert 60 <= median_days(bescherming["datum_afgerond"], bescherming["datum_start"]) <= 150
    rekest = bescherming[bescherming["datum_rekest"].notna()]
    assert 0 <= median_days(rekest["datum_afgerond"], rekest["datum_rekest"]) <= 14

    jb = gim[gim["maatregel_type"].isin(JB) & (gim["datum_uitspraak"] >= pd.Timestamp("2019-07-01"))].copy()
    jb["onderzoek"] = link(jb, rvo[rvo["datum_rekest"].notna()], "datum_uitspraak", "datum_rekest")
    linked = jb[jb["onderzoek"].notna()]
    rekest_dates = rvo.loc[linked["onderzoek"].astype(int), "datum_rekest"].to_numpy()
    assert 14 <= median_days(linked["datum_uitspraak"], pd.Series(rekest_dates, index=linked.index)) <= 56

    kennis = (gim["datum_in_kennisstelling"] - gim["datum_uitspraak"]).dt.days
    assert 0 <= kennis.median() <= 5 and kennis.min() >= -7
    assert (kennis < 0).mean() < 0.1

    # Norm 1 on working days, computed here with the contract's calendar.
    from sources.definitions.werkdagen import Werkdagkalender

    kalender = Werkdagkalender(DEFS, 2000, 2027)
    others = gim[(gim["organisatie_code"] != WAITING_GI) & gim["datum_jeugdbeschermer"].notna()].head(2000)
    within = [
        toegewezen.date() <= kalender.plus_werkdagen(k.date(), 5)
        for k, toegewezen in zip(others["datum_in_kennisstelling"], others["datum_jeugdbeschermer"], strict=True)
    ]
    assert np.mean(within) >= 0.75
    plan = gim[gim["datum_plan_van_aanpak"].notna()]
    assert ((plan["datum_plan_van_aanpak"] - plan["datum_uitspraak"]).dt.days <= 42).mean() >= 0.7
    hulp = gim[gim["datum_passende_hulp"].notna()]
    assert ((hulp["datum_passende_hulp"] - hulp["datum_uitspraak"]).dt.days <= 92).mean() >= 0.7
    still_running = gim[running(gim, PEILDATUMS[-1]) & (gim["datum_uitspraak"] < pd.Timestamp("2026-01-01"))]
    assert still_running["datum_passende_hulp"].isna().any()
    # Scheidingsproblematiek in 60-80% of OTS, empty sometimes.
    ots = gim[gim["maatregel_type"] == "OTS"]["scheidingsproblematiek"]
    assert 0.6 <= ots.dropna().mean() <= 0.8 and ots.isna().any()


def test_the_waiting_list_gi_has_many_more_children_waiting(demo_latest) -> None:
    gim = demo_latest["gi_maatregelen"]
    peil = pd.Timestamp(PEILDATUMS[-1])
    lopend = gim[running(gim, PEILDATUMS[-1])]
    waiting = lopend["datum_jeugdbeschermer"].isna() | (lopend["datum_jeugdbeschermer"] > peil)
    at_gi = lopend["organisatie_code"] == WAITING_GI
    assert waiting[at_gi].mean() > 3 * waiting[~at_gi].mean()
    assert waiting[lopend["organisatie_code"] == WAITING_GI].sum() >= 5


def test_capacity_rows_every_month_and_caseload_near_the_norm(demo_latest) -> None:
    cap, gim = demo_latest["gi_capaciteit"], demo_latest["gi_maatregelen"]
    months = pd.date_range("2019-01-31", PEILDATUMS[-1].isoformat(), freq="ME")
    for org, rows in cap.groupby("organisatie_code"):
        assert list(rows["peildatum"]) == list(months), org
        assert rows["verzuim_pct"].between(4, 10).all()
        assert (rows["fte_jeugdreclasseerder"] >= 0).all()
        peil = PEILDATUMS[-1]
        mine = gim[gim["organisatie_code"] == org]
        jb_running = (running(mine, peil) & mine["maatregel_type"].isin(JB)).sum()
        caseload = jb_running / float(rows["fte_jeugdbeschermer"].iloc[-1])
        if org == WAITING_GI:
            assert caseload > 19, caseload
        elif jb_running >= 50:
            assert 14 <= caseload <= 20, (org, caseload)


def test_defects_json_lists_files_that_break_exactly_the_named_rules(demo) -> None:
    root, summary = demo
    listing = json.loads((root / "defects.json").read_text("utf-8"))
    assert listing["peildatum"] == DEFECT_PEILDATUM.isoformat()
    codes = {r.code for r in DEFS.alle_regels()}
    seen = set()
    for d in listing["defecten"]:
        path = root / d["pad"]
        assert path.is_file() and path.stem == DEFECT_PEILDATUM.isoformat()
        assert d["regels"] and set(d["regels"]) <= codes
        if d["geaccepteerd"]:
            # Accepted with warnings: no error rule, every named warning reported.
            report = validate_file(path, DEFS, inbox=root / "inbox")
            assert not report.errors and set(d["regels"]) <= {r.code for r in report.warnings}, d
        else:
            assert problems(root, path) == set(d["regels"]), d
        seen.update(d["regels"])
    assert len(listing["defecten"]) == len(summary.defects) >= 14
    # Contract version 2's rules; version 1's GIM-004/005/006, VTM-002 and RVO-002 are gone.
    assert {"GIM-002", "GIM-009", "VTM-001", "VTM-007", "RVO-007"} <= seen
    assert {"GIM-W02", "GIM-W03", "GIM-W04", "ALG-CODE-W01"} <= seen
    assert not seen & {"GIM-004", "GIM-005", "GIM-006", "VTM-002", "RVO-002"}
    assert {"ALG-KOL-001", "ALG-KOL-002", "ALG-PRIV-001", "ALG-CODE-001", "ALG-REF-001", "ALG-TYPE-001"} <= seen
    assert {"ALG-DATUM-001", "GIM-001", "GIM-007", "GIM-008", "VTM-005", "RVO-006"} <= seen
    assert {"ALG-BEST-001", "ALG-BEST-002", "ALG-ORG-001", "ALG-ORG-002"} <= seen


def test_without_defects_only_valid_deliveries_are_written(tmp_path: Path) -> None:
    summary = generate(tmp_path, scale="demo", end_month="2024-03", snapshots=1)
    assert not (tmp_path / "defects.json").exists() and not summary.defects
    assert {p for p in deliveries(tmp_path).values()} == {f.path for f in summary.files}
    assert {f.peildatum for f in summary.files} == {date(2024, 3, 31)}


# --- national scale -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def national(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("national")
    summary = generate(root, scale="national", end_month=END_MONTH)
    yield root, summary
    # Some 3 GB: do not leave it to pytest's retention of the last runs' temp dirs.
    shutil.rmtree(root, ignore_errors=True)


@pytest.mark.slow
def test_national_scale_runs_in_minutes(national) -> None:
    _, summary = national
    assert summary.seconds < 180
    assert len(summary.files) == 12 * sum(len(DEFS.bronnen_voor(o.organisatie_type)) for o in DEFS.organisaties)


@pytest.mark.slow
def test_national_volumes_match_domain_figures(national) -> None:
    root, _ = national
    peil = PEILDATUMS[-1]
    gim = latest(root, "gi_maatregelen", peil)
    new = gim[gim["maatregel_type"].isin(JB)].groupby(gim["datum_uitspraak"].dt.year).size()
    for year in range(2019, 2026):
        assert 9_000 <= new[year] <= 13_000, (year, new[year])
    mix = gim[gim["maatregel_type"].isin(JB) & (gim["datum_uitspraak"].dt.year >= 2020)]["maatregel_type"].value_counts(
        normalize=True
    )
    assert 0.66 <= mix["OTS"] <= 0.78 and 0.11 <= mix["VOORLOPIGE_OTS"] <= 0.19 and 0.07 <= mix["VOOGDIJ"] <= 0.13
    lopend = gim[running(gim, peil)]
    assert 26_000 <= lopend["maatregel_type"].isin(JB).sum() <= 29_000
    assert 5_000 <= lopend["maatregel_type"].isin(JR).sum() <= 5_800
    new_jr = gim[gim["maatregel_type"].isin(JR)].groupby(gim["datum_uitspraak"].dt.year).size()
    assert all(4_800 <= new_jr[y] <= 6_000 for y in range(2020, 2026))
    waiting = lopend[(lopend["organisatie_code"] == WAITING_GI) & lopend["datum_jeugdbeschermer"].isna()]
    assert len(waiting) > 100

    vtm = latest(root, "vt_meldingen", peil)
    per_year = (
        vtm[vtm["datum_ontvangst"].dt.year.between(2020, 2025)]
        .groupby([vtm["datum_ontvangst"].dt.year, "soort"])
        .size()
    )
    for year in range(2020, 2026):
        assert 110_000 <= per_year[(year, "MELDING")] <= 140_000
        assert 130_000 <= per_year[(year, "ADVIES")] <= 170_000

    rvo = latest(root, "rvdk_onderzoeken", peil)
    bescherming = rvo[rvo["soort"] == "BESCHERMINGSONDERZOEK"].groupby(rvo["datum_verzoek"].dt.year).size()
    assert all(12_000 <= bescherming[y] <= 17_000 for y in range(2019, 2026))


@pytest.mark.slow
def test_national_snapshots_grow_by_month_and_stay_valid(national) -> None:
    root, _ = national
    found = deliveries(root)
    for org in sorted({o for (o, b, _) in found if b == "rvdk_onderzoeken"}):
        old, new = (
            found[(org, "rvdk_onderzoeken", date(2025, 11, 30))],
            found[(org, "rvdk_onderzoeken", PEILDATUMS[-1])],
        )
        assert len(read_delivery(old, "rvdk_onderzoeken")) < len(read_delivery(new, "rvdk_onderzoeken"))
        assert problems(root, old) == set()
    # Every organisation's latest national delivery passes every error rule.
    for (_org, _bron, peil), path in found.items():
        if peil == PEILDATUMS[-1]:
            assert problems(root, path) == set(), path


def test_organisations_and_municipalities_added_to_the_reference_data_are_picked_up(tmp_path: Path) -> None:
    definitions = tmp_path / "definitions"
    shutil.copytree(DEFS.root, definitions)
    ref = definitions / "referentie"
    with (ref / "organisaties.csv").open("a", encoding="utf-8") as fh:
        fh.write("JBNIEUW,Jeugdbescherming Nieuw,GI\nVT_NIEUW,Veilig Thuis Nieuw,VT\n")
    with (ref / "werkgebieden.csv").open("a", encoding="utf-8") as fh:
        fh.write("JBNIEUW,TWENTE\nVT_NIEUW,NIEUWE_REGIO\nJBNIEUW,NIEUWE_REGIO\nRVDK,NIEUWE_REGIO\n")
    with (ref / "gemeenten.csv").open("a", encoding="utf-8") as fh:
        fh.write("GM9990,Nieuwstad,NIEUWE_REGIO,Nieuwe Regio,Utrecht,,\n")
    summary = generate(tmp_path / "data", end_month=END_MONTH, snapshots=1, defs=load_definitions(definitions))
    orgs = {(f.organisatie_code, f.bron) for f in summary.files}
    assert {("JBNIEUW", "gi_maatregelen"), ("JBNIEUW", "gi_capaciteit"), ("VT_NIEUW", "vt_meldingen")} <= orgs
    vt = next(f.path for f in summary.files if f.organisatie_code == "VT_NIEUW")
    # The new region's only municipality; a child who moved away since shows its new one (contract 4.5).
    assert (read_delivery(vt, "vt_meldingen")["gemeente_code"] == "GM9990").mean() > 0.8


def test_last_complete_month_is_the_default_end(tmp_path: Path) -> None:
    summary = generate(tmp_path, snapshots=1)
    today = date.today()
    expected = date(today.year, today.month, 1) - timedelta(days=1)
    assert [f.peildatum for f in summary.files][0] == expected
