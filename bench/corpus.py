"""Deterministic province-scale corpus: N procedures in about 40 fields, derived from a single office's
records (tests/fixtures/single-office), and any number of offices that publish them.

    python bench/corpus.py --n 2000 --out /tmp/corpus

Writes a single office's procedures folder (office.yml, fields.yml, <field>/<code>.yml) that `phieu
validate` accepts. :func:`offices` turns its catalog into the catalogs of a province's offices, as the
province loader does (each office its own name, address, phone, counters, 0-3 reception points and site).
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import shutil
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "tests" / "fixtures" / "single-office" / "procedures"
"""A single office's records (the shipped data before it became a province's), with their local parts."""
FIELD_NAMES = [
    "Hộ tịch",
    "Chứng thực",
    "Đất đai",
    "Xây dựng",
    "Lao động",
    "Người có công",
    "Bảo trợ xã hội",
    "Giáo dục",
    "Y tế",
    "Văn hóa",
    "Thể thao",
    "Du lịch",
    "Nông nghiệp",
    "Lâm nghiệp",
    "Thủy sản",
    "Thủy lợi",
    "Môi trường",
    "Tài nguyên nước",
    "Khoáng sản",
    "Giao thông",
    "Công thương",
    "Thương mại",
    "Đầu tư",
    "Doanh nghiệp",
    "Hộ kinh doanh",
    "Hợp tác xã",
    "Tài chính",
    "Thuế",
    "Nội vụ",
    "Tôn giáo",
    "Thi đua khen thưởng",
    "Dân tộc",
    "Tư pháp",
    "Hòa giải",
    "Phổ biến pháp luật",
    "Quốc phòng",
    "Dân quân tự vệ",
    "Công an",
    "Phòng cháy",
    "Thông tin truyền thông",
]
SLUGS = [f"linh-vuc-{i + 1:02d}" for i in range(len(FIELD_NAMES))]


class _NoAliases(yaml.SafeDumper):
    """phieu refuses anchors and aliases, so repeated objects are written out in full."""

    def ignore_aliases(self, data: object) -> bool:  # noqa: ARG002 - PyYAML's signature
        return True


def _dump(data: dict, schema: str) -> str:
    body = yaml.dump(data, Dumper=_NoAliases, allow_unicode=True, sort_keys=False, width=200)
    return f"# yaml-language-server: $schema={schema}\n{body}"


def generate(n: int, out: Path, seed: int = 2025) -> None:
    rng = random.Random(seed)
    templates = [
        yaml.safe_load(p.read_text(encoding="utf-8"))
        for p in sorted(SOURCE.glob("*/*.yml"))  # records live in field folders
    ]
    templates = [t for t in templates if t.get("status", "in_force") == "in_force"]
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    shutil.copy(SOURCE / "office.yml", out / "office.yml")
    fields = [
        {"id": slug, "name": name, "order": i + 1, "description": f"Thủ tục lĩnh vực {name}."}
        for i, (slug, name) in enumerate(zip(SLUGS, FIELD_NAMES, strict=True))
    ]
    (out / "fields.yml").write_text(
        _dump({"fields": fields}, "../schema/fields.schema.json"), encoding="utf-8"
    )
    documents = [d for t in templates for c in t["cases"] for d in c["documents"] if not d.get("form")]
    for i in range(n):
        base = templates[i % len(templates)]
        field = SLUGS[i % len(SLUGS)]
        code = f"{1 + i // 900000}.{100000 + i:06d}"
        record = {**base, "code": code, "field": field, "name": f"{base['name']} (mẫu {i + 1})"}
        record.pop("status", None)
        record.pop("replaced_by", None)
        cases = []
        for c in range(rng.randint(1, 4)):
            template_case = base["cases"][c % len(base["cases"])]
            docs = rng.sample(documents, rng.randint(4, min(15, len(documents))))
            if any(d.get("form") for d in template_case["documents"]):
                docs = [next(d for d in template_case["documents"] if d.get("form")), *docs[1:]]
            cases.append(
                {
                    **template_case,
                    "id": f"truong-hop-{c + 1}",
                    "documents": docs,
                    "name": f"{template_case['name']} ({c + 1})",
                }
            )
        record["cases"] = cases
        folder = out / field
        folder.mkdir(exist_ok=True)
        (folder / f"{code}.yml").write_text(
            _dump(record, "../../schema/procedure.schema.json"), encoding="utf-8"
        )


def offices(
    catalog, count: int, *, phone: dict[int, str] | None = None, base: str = "https://phieu.example.vn/"
):
    """``count`` offices of a province publishing ``catalog``'s procedures: [(office id, its catalog)].

    Office i has its own name, address and phone (``phone`` overrides some), i % 4 other reception points,
    counters per field ("Quầy số 1-3"), and its site under ``base``; office 3 receives no file "without
    appointment" (its slips lose the badge, so its bodies differ from the others').
    """
    from phieu.model import ReceptionPoint

    result = []
    for i in range(count):
        office_id = f"xa-mau-{i + 1:03d}"
        office = catalog.office.model_copy(
            update={
                "name": f"Ủy ban nhân dân xã Mẫu {i + 1}",
                "address": f"Số {10 + i} đường {'Nguyễn Huệ' if i % 2 else 'Lý Thường Kiệt'}, ấp {1 + i % 5}, "
                f"xã Mẫu {i + 1}, tỉnh Đồng Tháp",
                "phone": (phone or {}).get(i, f"0277 38{i:02d} {100 + i}"),
                "site_url": f"{base}{office_id}/",
                "reception": [
                    ReceptionPoint(
                        name=f"Tổ tiếp nhận hồ sơ số {n + 2} (trụ sở xã cũ số {n + 1})",
                        address=f"Ấp {n + 3}, xã Mẫu {i + 1}, tỉnh Đồng Tháp",
                        hours=["Sáng thứ Hai đến thứ Sáu: 7 giờ 00 - 11 giờ 30"] if n % 2 else [],
                    )
                    for n in range(i % 4)
                ],
            }
        )
        fields = {f.id: n for n, f in enumerate(catalog.fields)}
        procedures = tuple(
            p.model_copy(
                update={
                    "local": p.local.model_copy(
                        update={
                            "counter": f"Quầy số {1 + (fields[p.field] + i) % 3}",
                            "same_visit": None if i == 3 else p.local.same_visit,
                        }
                    )
                }
            )
            for p in catalog.procedures
        )
        result.append((office_id, dataclasses.replace(catalog, office=office, procedures=procedures)))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    generate(args.n, args.out)
    print(f"{args.n} procedures in {len(SLUGS)} fields → {args.out}")


if __name__ == "__main__":
    main()
