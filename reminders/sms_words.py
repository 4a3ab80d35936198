"""How an SMS reply is read as a word: punctuation dropped, spaces collapsed, upper case
("ja!" and " Ja." are "JA"). Every reader of replies uses it, so a keyword means the same
whoever answers."""

import re


def words_of(text: str) -> str:
    return " ".join(re.sub(r"[^\wæøåÆØÅ ]", " ", text).upper().split())
