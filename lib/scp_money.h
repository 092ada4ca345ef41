/*
 * scp_money: amounts as integer minor units (cents, paise), never a double.
 *
 * JSON carries a decimal number in major units with at most two decimals.  The text of
 * the number is parsed exactly, and formatted back exactly.
 */
#ifndef SCP_MONEY_H
#define SCP_MONEY_H

#include <stdbool.h>
#include <stdint.h>

/* Largest amount accepted, in minor units: 10^13 major units, far from int64 limits. */
#define SCP_MONEY_MAX INT64_C(1000000000000000)

/*
 * Parse "12", "12.5", "12.50", "-3.1" into minor units.  Rejects exponents, more than two
 * decimals, leading '+', empty parts ("1.", ".5"), leading zeros ("012"), and anything
 * whose magnitude exceeds SCP_MONEY_MAX.  Returns false on any of these.
 */
bool scp_money_parse(const char *text, int64_t *minor);
/* Format minor units as "12.50" / "-0.05"; out needs 32 bytes. */
void scp_money_format(int64_t minor, char out[32]);

#endif
