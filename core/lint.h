/*
** `ronghe check` beyond load errors: static checks of a loaded rule set.
**
** The rule files are never run here (rule code runs only in workers): the
** parameter checks read the files' text with a small Lua tokenizer, and the
** schema checks prepare SQL against the database, or against the data model
** built in memory when the database file does not exist.
*/
#ifndef RH_LINT_H
#define RH_LINT_H

#include <stdio.h>

#include "ruleset.h"

/* Checks a rule set whose catalog loaded without errors and prints one
** `file:line: message` per problem to out, sorted by file and line:
**   - a rule without cite;
**   - a rule or policy whose subject is not a table; a policy whose rule
**     judges a table that cannot roll up to the policy's subject;
**   - an input whose SQL does not prepare (unknown table or column, a denied
**     function), at the line of the offending name;
**   - a parameter the check uses (p.NAME, p.at("NAME", ...)) but the rule
**     does not declare, or one it declares but never uses;
**   - a parameter whose periods overlap or leave a gap between them.
** *problems receives the number printed.  db_path may be NULL (data model
** only).  Returns RH_OK, or an error when the checks themselves could not
** run (memory, the data model). */
int rh_lint(int *problems, const rh_ruleset *rs, const char *db_path, FILE *out);

#endif
