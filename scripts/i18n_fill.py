"""Maintainer tool: extract messages, update the ja/en catalogs, and fill ja from a dict file.

    .venv/bin/python scripts/i18n_fill.py [translations.py]

The dict file defines JA = {msgid: Japanese}. Without it, only extract and update run.
Untranslated ja entries are listed so none slips through. A msgid is shared by every page that uses it, so
an entry that already has a different translation is left alone and reported: changing 「担当営業」 to
「担当者」 for one new page once changed it on the board, the list and the forecast (and broke their tests).
Set RETRANSLATE = {msgid, ...} in the dict file to change one on purpose.
"""

from __future__ import annotations

import runpy
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
I18N = ROOT / "salesdesk" / "i18n"
POT = I18N / "messages.pot"


def main() -> None:
    babel = str(ROOT / ".venv" / "bin" / "pybabel")
    subprocess.run(
        [
            babel,
            "extract",
            "-F",
            str(I18N / "babel.cfg"),
            "-o",
            str(POT),
            "--no-location",
            "--sort-output",
            "-k",
            "N_",
            "--ignore-dirs=.venv node_modules",
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    for locale in ("ja", "en"):
        po = I18N / "locales" / locale / "LC_MESSAGES" / "messages.po"
        command = "update" if po.exists() else "init"
        # No fuzzy matching: Babel's guesses for new strings are wrong more often than not (it once showed
        # "Deal" as メール); an untranslated string falls back to readable English instead.
        subprocess.run(
            [babel, command, "-i", str(POT), "-d", str(I18N / "locales"), "-l", locale, "--no-wrap"]
            + (["--ignore-obsolete", "--no-fuzzy-matching"] if command == "update" else []),
            check=True,
            capture_output=True,
        )
    ja_po = I18N / "locales" / "ja" / "LC_MESSAGES" / "messages.po"
    with ja_po.open("rb") as fh:
        catalog = read_po(fh, locale="ja")
    given = runpy.run_path(sys.argv[1]) if len(sys.argv) > 1 else {}
    table, retranslate = given.get("JA", {}), given.get("RETRANSLATE", set())
    missing, kept = [], []
    for message in catalog:
        if not message.id:
            continue
        if message.id in table and message.string and not message.fuzzy and message.id not in retranslate:
            if message.string != table[message.id]:
                kept.append((message.id, message.string, table[message.id]))
        elif message.id in table:
            message.string = table[message.id]
            message.flags.discard("fuzzy")
        elif not message.string or message.fuzzy:
            missing.append(message.id)
    with ja_po.open("wb") as fh:
        write_po(fh, catalog, width=0, omit_header=False)
    for msgid in missing:
        print(f"untranslated (ja): {msgid!r}")
    for msgid, old, new in kept:
        print(f"kept (ja): {msgid!r} stays {old!r}, not {new!r} (list it in RETRANSLATE to change it)")


if __name__ == "__main__":
    main()
