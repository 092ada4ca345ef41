#include "scp_money.h"

#include <stdio.h>

bool scp_money_parse(const char *s, int64_t *minor)
{
	int64_t whole = 0;
	int frac = 0, fdigits = 0;
	bool neg = false;
	const char *start;

	if (*s == '-') {
		neg = true;
		s++;
	}
	start = s;
	if (*s < '0' || *s > '9')
		return false;
	if (*s == '0' && s[1] >= '0' && s[1] <= '9')
		return false;
	while (*s >= '0' && *s <= '9') {
		whole = whole * 10 + (*s - '0');
		if (whole > SCP_MONEY_MAX / 100)
			return false;
		s++;
	}
	if (s - start > 18)
		return false;
	if (*s == '.') {
		s++;
		if (*s < '0' || *s > '9')
			return false;
		while (*s >= '0' && *s <= '9') {
			/* Trailing zeros past two decimals are harmless ("1.500"). */
			if (fdigits >= 2) {
				if (*s != '0')
					return false;
			} else {
				frac = frac * 10 + (*s - '0');
				fdigits++;
			}
			s++;
		}
	}
	if (*s)
		return false;
	if (fdigits == 1)
		frac *= 10;
	*minor = whole * 100 + frac;
	if (*minor > SCP_MONEY_MAX)
		return false;
	if (neg)
		*minor = -*minor;
	return true;
}

void scp_money_format(int64_t minor, char out[32])
{
	uint64_t m = minor < 0 ? (uint64_t)0 - (uint64_t)minor : (uint64_t)minor;

	snprintf(out, 32, "%s%llu.%02llu", minor < 0 ? "-" : "",
		 (unsigned long long)(m / 100), (unsigned long long)(m % 100));
}
