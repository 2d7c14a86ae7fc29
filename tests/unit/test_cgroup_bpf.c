/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include <linux/bpf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "runtime/base/error.h"
#include "runtime/cgroup_internal.h"

/*
 * The device program of cgroup2, checked without a kernel: the kernel has
 * no BPF_PROG_TEST_RUN for BPF_PROG_TYPE_CGROUP_DEVICE (it answers
 * ENOTSUPP), so a small interpreter of the instructions the translation
 * emits runs the program here.  The integration tests load and attach it.
 * Expected results follow the v1 devices controller for the same writes.
 */

#define R	   (BPF_DEVCG_ACC_READ)
#define W	   (BPF_DEVCG_ACC_WRITE)
#define M	   (BPF_DEVCG_ACC_MKNOD)
#define CHR	   BPF_DEVCG_DEV_CHAR
#define BLK	   BPF_DEVCG_DEV_BLOCK
#define RULES(...) ((const struct ou_device_cgroup[]){ __VA_ARGS__ })
#define N_RULES(...) \
	(sizeof((const struct ou_device_cgroup[]){ __VA_ARGS__ }) / sizeof(struct ou_device_cgroup))

static struct ou_device_cgroup rule(bool allow, const char *type, int64_t major, int64_t minor,
				    const char *access)
{
	struct ou_device_cgroup d = { .allow = allow, .type = (char *)type };

	d.has_major = major != -2;
	d.major = major;
	d.has_minor = minor != -2;
	d.minor = minor;
	d.access = (char *)access;
	return d;
}

/* Spec shorthands; -2 leaves the number unset. */
#define DENY_ALL	      rule(false, NULL, -2, -2, "rwm")
#define ALLOW_ALL	      rule(true, "a", -2, -2, NULL)
#define ALLOW(t, ma, mi, acc) rule(true, t, ma, mi, acc)
#define DENY(t, ma, mi, acc)  rule(false, t, ma, mi, acc)

static uint32_t alu32(uint8_t op, uint32_t a, uint32_t b)
{
	switch (op) {
	case BPF_MOV:
		return b;
	case BPF_AND:
		return a & b;
	case BPF_RSH:
		return a >> (b & 31);
	default:
		cr_assert_fail("unexpected ALU operation 0x%x", op);
	}
	return 0;
}

/* Run one instruction; returns the index of the next, or -1 at exit. */
static long step(const struct bpf_insn *in, long pc, uint64_t *reg, const uint32_t *ctx)
{
	uint8_t cls = BPF_CLASS(in->code);
	uint64_t src = BPF_SRC(in->code) == BPF_X ? reg[in->src_reg] : (uint32_t)in->imm;

	switch (cls) {
	case BPF_LDX:
		cr_assert_eq(in->code, BPF_LDX | BPF_W | BPF_MEM);
		cr_assert_eq(in->src_reg, 1, "loads only from the context");
		cr_assert(in->off >= 0 && in->off <= 8 && in->off % 4 == 0);
		reg[in->dst_reg] = ctx[in->off / 4];
		return pc + 1;
	case BPF_ALU:
		reg[in->dst_reg] =
			alu32(BPF_OP(in->code), (uint32_t)reg[in->dst_reg], (uint32_t)src);
		return pc + 1;
	case BPF_ALU64:
		cr_assert_eq(in->code, BPF_ALU64 | BPF_MOV | BPF_K);
		reg[in->dst_reg] = (uint64_t)(int64_t)in->imm;
		return pc + 1;
	case BPF_JMP:
		cr_assert_eq(in->code, BPF_JMP | BPF_EXIT);
		return -1;
	case BPF_JMP32:
		cr_assert(BPF_OP(in->code) == BPF_JNE || BPF_OP(in->code) == BPF_JEQ);
		cr_assert(in->off > 0, "jumps only forward");
		if ((BPF_OP(in->code) == BPF_JNE) == ((uint32_t)reg[in->dst_reg] != (uint32_t)src))
			return pc + 1 + in->off;
		return pc + 1;
	default:
		cr_assert_fail("unexpected instruction class 0x%x", cls);
	}
	return -1;
}

static int run(const struct ou_cgroup_bpf_prog *p, uint32_t type, uint32_t major, uint32_t minor,
	       uint32_t access)
{
	uint32_t ctx[3] = { (access << 16) | type, major, minor };
	uint64_t reg[11] = { 0 };
	long pc = 0;

	while (pc >= 0) {
		cr_assert(pc < (long)p->len, "ran off the end at %ld", pc);
		pc = step(&p->insns[pc], pc, reg, ctx);
	}
	cr_assert(reg[0] == 0 || reg[0] == 1, "returned %llu", (unsigned long long)reg[0]);
	return (int)reg[0];
}

static struct ou_cgroup_bpf_prog compile(const struct ou_device_cgroup *rules, size_t n)
{
	struct ou_cgroup_bpf_prog p;
	struct ou_error *err = NULL;

	cr_assert_eq(ou_cgroup_bpf_devices(rules, n, &p, &err), 0, "%s", err ? err->msg : "");
	cr_assert_gt(p.len, 0);
	cr_assert_eq(p.insns[p.len - 1].code, BPF_JMP | BPF_EXIT);
	return p;
}

#define COMPILE(...) compile(RULES(__VA_ARGS__), N_RULES(__VA_ARGS__))

/* Six instructions unpack the context, two return the default. */
#define FRAME 8

Test(cgroup_bpf, deny_all_denies_everything)
{
	struct ou_cgroup_bpf_prog p = COMPILE(DENY_ALL);

	cr_expect_eq(p.len, FRAME);
	cr_expect_eq(run(&p, CHR, 1, 3, R), 0);
	cr_expect_eq(run(&p, BLK, 8, 0, M), 0);
	ou_cgroup_bpf_prog_release(&p);
}

Test(cgroup_bpf, allowed_device_and_nothing_else)
{
	struct ou_cgroup_bpf_prog p = COMPILE(DENY_ALL, ALLOW("c", 1, 3, "rwm"));

	/* type, major, minor, then the access test and the return */
	cr_expect_eq(p.len, FRAME + 8);
	cr_expect_eq(run(&p, CHR, 1, 3, R | W), 1);
	cr_expect_eq(run(&p, CHR, 1, 3, M), 1);
	cr_expect_eq(run(&p, CHR, 1, 5, R), 0);
	cr_expect_eq(run(&p, CHR, 2, 3, R), 0);
	cr_expect_eq(run(&p, BLK, 1, 3, R), 0);
	ou_cgroup_bpf_prog_release(&p);
}

Test(cgroup_bpf, access_asked_must_be_granted_whole)
{
	struct ou_cgroup_bpf_prog p = COMPILE(DENY_ALL, ALLOW("c", 1, 3, "r"));

	cr_expect_eq(run(&p, CHR, 1, 3, R), 1);
	cr_expect_eq(run(&p, CHR, 1, 3, R | W), 0);
	cr_expect_eq(run(&p, CHR, 1, 3, M), 0);
	ou_cgroup_bpf_prog_release(&p);
}

Test(cgroup_bpf, unset_and_minus_one_are_wildcards)
{
	struct ou_cgroup_bpf_prog p =
		COMPILE(DENY_ALL, ALLOW("c", -2, -2, "m"), ALLOW("b", 8, -1, "r"));

	/* no number tests for c *:*, one for b 8:* */
	cr_expect_eq(p.len, FRAME + 6 + 7);
	cr_expect_eq(run(&p, CHR, 4242, 7, M), 1);
	cr_expect_eq(run(&p, CHR, 1, 3, R), 0);
	cr_expect_eq(run(&p, BLK, 8, 16, R), 1);
	cr_expect_eq(run(&p, BLK, 8, 16, W), 0);
	cr_expect_eq(run(&p, BLK, 9, 0, R), 0);
	ou_cgroup_bpf_prog_release(&p);
}

Test(cgroup_bpf, later_rules_override_earlier)
{
	struct ou_cgroup_bpf_prog p =
		COMPILE(DENY_ALL, ALLOW("c", 1, 3, "rwm"), DENY("c", 1, 3, "w"));

	cr_expect_eq(run(&p, CHR, 1, 3, R), 1);
	cr_expect_eq(run(&p, CHR, 1, 3, M), 1);
	cr_expect_eq(run(&p, CHR, 1, 3, W), 0);
	cr_expect_eq(run(&p, CHR, 1, 3, R | W), 0);
	ou_cgroup_bpf_prog_release(&p);
}

Test(cgroup_bpf, allows_for_one_device_merge_as_in_v1)
{
	struct ou_cgroup_bpf_prog p =
		COMPILE(DENY_ALL, ALLOW("c", 1, 3, "r"), ALLOW("c", 1, 3, "w"));

	cr_expect_eq(p.len, FRAME + 8);
	cr_expect_eq(run(&p, CHR, 1, 3, R | W), 1);
	ou_cgroup_bpf_prog_release(&p);
}

/* v1 removes only the exception for exactly the same numbers. */
Test(cgroup_bpf, deny_removes_only_the_same_numbers_as_in_v1)
{
	struct ou_cgroup_bpf_prog p =
		COMPILE(DENY_ALL, ALLOW("c", 1, -1, "rwm"), DENY("c", 1, 3, "rwm"));

	cr_expect_eq(run(&p, CHR, 1, 3, R), 1);
	ou_cgroup_bpf_prog_release(&p);
	p = COMPILE(DENY_ALL, ALLOW("c", 1, -1, "rwm"), DENY("c", 1, -1, "rw"));
	cr_expect_eq(run(&p, CHR, 1, 3, R), 0);
	cr_expect_eq(run(&p, CHR, 1, 3, M), 1);
	ou_cgroup_bpf_prog_release(&p);
}

Test(cgroup_bpf, type_a_resets_the_list)
{
	struct ou_cgroup_bpf_prog p = COMPILE(DENY_ALL, ALLOW("c", 1, 3, "rwm"), DENY_ALL);

	cr_expect_eq(p.len, FRAME);
	cr_expect_eq(run(&p, CHR, 1, 3, R), 0);
	ou_cgroup_bpf_prog_release(&p);
	/* v1 ignores numbers and access with type "a" */
	p = COMPILE(DENY_ALL, ALLOW("a", 1, 3, "r"));
	cr_expect_eq(p.len, FRAME);
	cr_expect_eq(run(&p, BLK, 8, 0, R | W | M), 1);
	ou_cgroup_bpf_prog_release(&p);
}

Test(cgroup_bpf, allow_all_with_denied_devices)
{
	struct ou_cgroup_bpf_prog p = COMPILE(ALLOW_ALL, DENY("c", 1, 3, "w"));

	cr_expect_eq(run(&p, CHR, 1, 5, R | W | M), 1);
	cr_expect_eq(run(&p, CHR, 1, 3, R), 1);
	/* with an allow default, any overlap with a denied access denies */
	cr_expect_eq(run(&p, CHR, 1, 3, R | W), 0);
	ou_cgroup_bpf_prog_release(&p);
	p = COMPILE(ALLOW_ALL, DENY("c", 1, 3, "w"), ALLOW("c", 1, 3, "w"));
	cr_expect_eq(p.len, FRAME);
	cr_expect_eq(run(&p, CHR, 1, 3, R | W), 1);
	ou_cgroup_bpf_prog_release(&p);
}

Test(cgroup_bpf, empty_access_grants_nothing)
{
	struct ou_cgroup_bpf_prog p = COMPILE(DENY_ALL, ALLOW("c", 1, 3, ""));

	cr_expect_eq(p.len, FRAME);
	cr_expect_eq(run(&p, CHR, 1, 3, R), 0);
	ou_cgroup_bpf_prog_release(&p);
}

/* As container engines write them: deny all, then the defaults and ptys. */
Test(cgroup_bpf, engine_rule_list)
{
	struct ou_cgroup_bpf_prog p = COMPILE(
		DENY_ALL, ALLOW("c", 1, 3, "rwm"), ALLOW("c", 1, 5, "rwm"), ALLOW("c", 5, 2, "rwm"),
		ALLOW("c", 136, -1, "rwm"), ALLOW("c", -1, -1, "m"), ALLOW("b", -1, -1, "m"));

	cr_expect_eq(run(&p, CHR, 136, 7, R | W), 1);
	cr_expect_eq(run(&p, CHR, 5, 2, R | W), 1);
	cr_expect_eq(run(&p, CHR, 1, 4, M), 1);
	cr_expect_eq(run(&p, CHR, 1, 4, R), 0);
	cr_expect_eq(run(&p, BLK, 8, 0, R), 0);
	cr_expect_eq(run(&p, BLK, 8, 0, M), 1);
	ou_cgroup_bpf_prog_release(&p);
}

Test(cgroup_bpf, large_numbers_compare_as_unsigned)
{
	struct ou_cgroup_bpf_prog p = COMPILE(DENY_ALL, ALLOW("c", 3000000000LL, 5, "r"));

	cr_expect_eq(run(&p, CHR, 3000000000U, 5, R), 1);
	cr_expect_eq(run(&p, CHR, 3000000001U, 5, R), 0);
	ou_cgroup_bpf_prog_release(&p);
}

static void expect_invalid(struct ou_device_cgroup d, const char *field)
{
	struct ou_device_cgroup rules[2] = { DENY_ALL, d };
	struct ou_cgroup_bpf_prog p;
	struct ou_error *err = NULL;

	cr_assert_eq(ou_cgroup_bpf_devices(rules, 2, &p, &err), -1);
	cr_assert_not_null(err);
	cr_expect_eq(err->kind, OU_E_INVALID);
	cr_expect_not_null(strstr(err->msg, field), "message: %s", err->msg);
	cr_expect_null(p.insns);
	ou_error_free(err);
}

Test(cgroup_bpf, bad_rules_are_invalid)
{
	expect_invalid(ALLOW("x", 1, 3, "r"), "linux.resources.devices[1].type");
	expect_invalid(ALLOW("c", 1, 3, "rx"), "linux.resources.devices[1].access");
	expect_invalid(ALLOW("c", 1LL << 32, 3, "r"), "linux.resources.devices[1].major");
	expect_invalid(ALLOW("b", 1, 1LL << 40, "r"), "linux.resources.devices[1].minor");
}
