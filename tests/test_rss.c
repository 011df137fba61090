// SPDX-License-Identifier: MIT
/* The Toeplitz hash against the published RSS verification vectors. */
#include <arpa/inet.h>
#include <string.h>
#include <segoff/segoff.h>
#include "check.h"
#include "pktgen.h"

struct vector {
	const char *src, *dst;
	uint16_t sport, dport;
	uint32_t hash_ip, hash_l4;
};

/* Microsoft's "Verifying the RSS Hash Calculation" table (IPv4 rows). */
static const struct vector v4[] = {
	{ "66.9.149.187", "161.142.100.80", 2794, 1766, 0x323e8fc2, 0x51ccc178 },
	{ "199.92.111.2", "65.69.140.83", 14230, 4739, 0xd718262a, 0xc626b0ea },
	{ "24.19.198.95", "12.22.207.184", 12898, 38024, 0xd2d0a5de, 0x5c2b394a },
	{ "38.27.205.30", "209.142.163.6", 48228, 2217, 0x82989176, 0xafc7327f },
	{ "153.39.163.191", "202.188.127.2", 44251, 1303, 0x5d1809c5, 0x10e828a2 },
};

static void toeplitz_matches_the_ipv4_verification_table(void)
{
	const uint8_t *key = segoff_rss_default_key();
	for (size_t i = 0; i < sizeof(v4) / sizeof(v4[0]); i++) {
		uint8_t t[12];
		inet_pton(AF_INET, v4[i].src, t);
		inet_pton(AF_INET, v4[i].dst, t + 4);
		t[8] = (uint8_t)(v4[i].sport >> 8);
		t[9] = (uint8_t)v4[i].sport;
		t[10] = (uint8_t)(v4[i].dport >> 8);
		t[11] = (uint8_t)v4[i].dport;
		CHECK_EQ(segoff_toeplitz(key, SEGOFF_RSS_KEY_LEN, t, 8), v4[i].hash_ip);
		CHECK_EQ(segoff_toeplitz(key, SEGOFF_RSS_KEY_LEN, t, 12), v4[i].hash_l4);
	}
}

static void toeplitz_matches_the_ipv6_verification_table(void)
{
	/* First IPv6 row: 3ffe:2501:200:3::1 -> 3ffe:2501:200:1fff::7, 2794 -> 1766 */
	uint8_t t[36];
	inet_pton(AF_INET6, "3ffe:2501:200:1fff::7", t);
	inet_pton(AF_INET6, "3ffe:2501:200:3::1", t + 16);
	t[32] = 2794 >> 8;
	t[33] = 2794 & 0xff;
	t[34] = 1766 >> 8;
	t[35] = 1766 & 0xff;
	CHECK_EQ(segoff_toeplitz(segoff_rss_default_key(), SEGOFF_RSS_KEY_LEN, t, 32), 0x2cc18cd5);
	CHECK_EQ(segoff_toeplitz(segoff_rss_default_key(), SEGOFF_RSS_KEY_LEN, t, 36), 0x40207d3d);
}

static void rss_hash_uses_the_four_tuple_and_short_keys_give_zero(void)
{
	struct pktgen_spec s;
	uint8_t frame[2048];
	pktgen_default(&s);
	s.payload_len = 100;
	size_t len = pktgen_build(&s, frame, sizeof(frame));
	struct segoff_pkt p;
	segoff_pkt_init(&p, frame, len, NULL, 0);
	CHECK_EQ(segoff_parse(&p, SEGOFF_PROTO_ETH, 0), SEGOFF_OK);
	uint8_t t[12];
	memcpy(t, frame + p.l3_off + 12, 8);
	memcpy(t + 8, frame + p.l4_off, 4);
	CHECK_EQ(segoff_rss_hash(&p, segoff_rss_default_key()),
		 segoff_toeplitz(segoff_rss_default_key(), SEGOFF_RSS_KEY_LEN, t, 12));
	CHECK(segoff_rss_hash(&p, segoff_rss_default_key()) != 0);
	CHECK_EQ(segoff_toeplitz(segoff_rss_default_key(), 10, t, 12), 0);
}

int main(int argc, char **argv)
{
	static const struct check_test tests[] = {
		TEST(toeplitz_matches_the_ipv4_verification_table),
		TEST(toeplitz_matches_the_ipv6_verification_table),
		TEST(rss_hash_uses_the_four_tuple_and_short_keys_give_zero),
	};
	return check_main(argc, argv, "test_rss", tests, sizeof(tests) / sizeof(tests[0]));
}
