/*
 * nat64_steer() as an eBPF program that picks the TUN queue, so that a packet reaches the worker holding
 * its RFC 6146 state. Without one the kernel chooses by its own flow hash (tun_automq_select_queue()),
 * which cannot know that the reply to a binding belongs to the worker that owns the pool4 port.
 *
 * The program is assembled here, 165 instructions from <linux/bpf.h>, and loaded with bpf(2): no
 * compiler for BPF, no object file, no libbpf at build or run time. The kernel runs it in
 * tun_ebpf_select_queue() on every packet sent into the device, skb->data at the IP header (a TUN has no
 * link-layer header), and takes the returned value modulo the number of queues.
 *
 * It repeats nat64_steer.c rule for rule, in the same order, with the same 32-bit arithmetic
 * (NAT64_STEER_*): change the two together. Every read is guarded by an explicit comparison with skb->len,
 * as the C code compares with len, so no packet load ever fails (a classic BPF load beyond the packet would
 * end the program with 0, a second source of results the C code would have to mirror).
 *
 * Registers: r6 the context (BPF_LD_ABS/IND read the packet through it), r7 an offset into the packet,
 * r8 the packet's length, r9 the protocol or the hash; r0..r5 are clobbered by every packet load.
 */
#include <errno.h>
#include <linux/bpf.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "nat64.h"
#include "tun_steer.h"
#include "xlat_internal.h"

#define PROG_MAX 256

enum label {
	L_V4, L_FLOW6, L_HOST6, L_QUOTED6, L_ICMP_ERR4, L_FRAG4, L_FINISH, L_MOD, L_RET0,
	L_ECHO, L_PORT, L_QECHO, L_QPORT, L_ECHO6, L_PORT6, L_QECHO6, L_QPORT6,
	L_COUNT
};

struct prog {
	struct bpf_insn insn[PROG_MAX];
	unsigned n;
	bool overflow;
	int at[L_COUNT];		/* where each label is, -1 until placed */
	uint8_t target[PROG_MAX];	/* a jump's label + 1; 0 for other instructions */
};

static void emit(struct prog *p, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	if (p->n == PROG_MAX) {
		p->overflow = true;
		return;
	}
	p->target[p->n] = 0;
	p->insn[p->n++] = (struct bpf_insn){ .code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm };
}

/* A conditional jump (BPF_JMP | op | BPF_K or BPF_X: if dst op imm/src goto l), or BPF_JA. */
static void jump(struct prog *p, uint8_t op_src, uint8_t dst, uint8_t src, int32_t imm, enum label l)
{
	emit(p, BPF_JMP | op_src, dst, src, 0, imm);
	if (!p->overflow)
		p->target[p->n - 1] = (uint8_t)(l + 1);
}

static void jump_k(struct prog *p, uint8_t op, uint8_t dst, int32_t imm, enum label l)
{
	jump(p, op | BPF_K, dst, 0, imm, l);
}

static void place(struct prog *p, enum label l)
{
	p->at[l] = (int)p->n;
}

static void mov(struct prog *p, uint8_t dst, uint8_t src)
{
	emit(p, BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0);
}

/* 32-bit ALU, as nat64_steer.c computes in uint32_t. */
static void alu32_k(struct prog *p, uint8_t op, uint8_t dst, uint32_t imm)
{
	emit(p, BPF_ALU | op | BPF_K, dst, 0, 0, (int32_t)imm);
}

static void ld_abs(struct prog *p, uint8_t size, int32_t off)
{
	emit(p, BPF_LD | BPF_ABS | size, 0, 0, 0, off);
}

static void ld_ind(struct prog *p, uint8_t size, uint8_t reg, int32_t off)
{
	emit(p, BPF_LD | BPF_IND | size, 0, reg, 0, off);
}

/* if len < r7 + k goto l */
static void need(struct prog *p, int32_t k, enum label l)
{
	mov(p, BPF_REG_1, BPF_REG_7);
	emit(p, BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_1, 0, 0, k);
	jump(p, BPF_JLT | BPF_X, BPF_REG_8, BPF_REG_1, 0, l);
}

/* r9 = (r9 ^ r0) * prime */
static void hash_word(struct prog *p)
{
	emit(p, BPF_ALU | BPF_XOR | BPF_X, BPF_REG_9, BPF_REG_0, 0, 0);
	alu32_k(p, BPF_MUL, BPF_REG_9, NAT64_STEER_PRIME);
}

/* r9 ^= r9 >> shift */
static void xorshift(struct prog *p, uint32_t shift)
{
	mov(p, BPF_REG_0, BPF_REG_9);
	alu32_k(p, BPF_RSH, BPF_REG_0, shift);
	emit(p, BPF_ALU | BPF_XOR | BPF_X, BPF_REG_9, BPF_REG_0, 0, 0);
}

/* l4_port(): the binding's port in the L4 header at r7 (protocol r9), port at `at` for TCP/UDP, the echo
 * identifier for ICMP, to L_MOD in r0; to `none` when there is none. */
static void l4_port(struct prog *p, int32_t at, enum label echo, enum label port, enum label none)
{
	jump_k(p, BPF_JEQ, BPF_REG_9, IPPROTO_TCP, port);
	jump_k(p, BPF_JEQ, BPF_REG_9, IPPROTO_UDP, port);
	jump_k(p, BPF_JNE, BPF_REG_9, IPPROTO_ICMP, none);
	need(p, 8, none);
	ld_ind(p, BPF_B, BPF_REG_7, 0);
	jump_k(p, BPF_JEQ, BPF_REG_0, 8, echo);
	jump_k(p, BPF_JNE, BPF_REG_0, 0, none);
	place(p, echo);
	ld_ind(p, BPF_H, BPF_REG_7, 4);
	jump_k(p, BPF_JA, 0, 0, L_MOD);
	place(p, port);
	need(p, at + 2, none);
	ld_ind(p, BPF_H, BPF_REG_7, at);
	jump_k(p, BPF_JA, 0, 0, L_MOD);
}

/* r0 = IHL in bytes of the IPv4 header whose first byte is in r0 */
static void ihl(struct prog *p)
{
	alu32_k(p, BPF_AND, BPF_REG_0, 0xf);
	alu32_k(p, BPF_LSH, BPF_REG_0, 2);
}

/* hash_host(): r9 = the hash of the 16 bytes at r7 */
static void hash_host(struct prog *p)
{
	alu32_k(p, BPF_MOV, BPF_REG_9, NAT64_STEER_BASIS);
	for (int i = 0; i < 16; i += 4) {
		ld_ind(p, BPF_W, BPF_REG_7, i);
		hash_word(p);
	}
}

/* l6_port() of the L4 header at l4 (fixed), protocol at nh: mixed into r9 when there is one; then on to
 * L_FINISH either way. */
static void l6_port(struct prog *p, int32_t nh, int32_t l4, int32_t at, enum label echo, enum label port)
{
	ld_abs(p, BPF_B, nh);
	jump_k(p, BPF_JEQ, BPF_REG_0, IPPROTO_TCP, port);
	jump_k(p, BPF_JEQ, BPF_REG_0, IPPROTO_UDP, port);
	jump_k(p, BPF_JNE, BPF_REG_0, IPPROTO_ICMPV6, L_FINISH);
	jump_k(p, BPF_JLT, BPF_REG_8, l4 + 8, L_FINISH);
	ld_abs(p, BPF_B, l4);
	jump_k(p, BPF_JEQ, BPF_REG_0, 128, echo);
	jump_k(p, BPF_JNE, BPF_REG_0, 129, L_FINISH);
	place(p, echo);
	ld_abs(p, BPF_H, l4 + 4);
	hash_word(p);
	jump_k(p, BPF_JA, 0, 0, L_FINISH);
	place(p, port);
	jump_k(p, BPF_JLT, BPF_REG_8, l4 + at + 2, L_FINISH);
	ld_abs(p, BPF_H, l4 + at);
	hash_word(p);
	jump_k(p, BPF_JA, 0, 0, L_FINISH);
}

static void assemble(struct prog *p, unsigned n)
{
	mov(p, BPF_REG_6, BPF_REG_1);
	emit(p, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_8, BPF_REG_6, offsetof(struct __sk_buff, len), 0);
	jump_k(p, BPF_JEQ, BPF_REG_8, 0, L_RET0);
	ld_abs(p, BPF_B, 0);
	alu32_k(p, BPF_RSH, BPF_REG_0, 4);
	jump_k(p, BPF_JEQ, BPF_REG_0, 4, L_V4);
	jump_k(p, BPF_JNE, BPF_REG_0, 6, L_RET0);

	/* steer6(): fragments by source and Identification, else the source transport address, or the
	 * destination transport address of the packet an ICMPv6 error quotes */
	jump_k(p, BPF_JLT, BPF_REG_8, IP6_HDR_LEN, L_RET0);
	alu32_k(p, BPF_MOV, BPF_REG_7, 8);
	ld_abs(p, BPF_B, 6);
	jump_k(p, BPF_JNE, BPF_REG_0, IPPROTO_FRAGMENT, L_FLOW6);
	jump_k(p, BPF_JLT, BPF_REG_8, IP6_HDR_LEN + FRAG_HDR_LEN, L_FLOW6);
	hash_host(p);
	ld_abs(p, BPF_W, 44);
	hash_word(p);
	jump_k(p, BPF_JA, 0, 0, L_FINISH);
	place(p, L_FLOW6);
	ld_abs(p, BPF_B, 6);
	jump_k(p, BPF_JNE, BPF_REG_0, IPPROTO_ICMPV6, L_HOST6);
	jump_k(p, BPF_JLT, BPF_REG_8, 2 * IP6_HDR_LEN + ICMP_HDR_LEN, L_HOST6);
	ld_abs(p, BPF_B, IP6_HDR_LEN);
	jump_k(p, BPF_JGE, BPF_REG_0, 128, L_HOST6);
	alu32_k(p, BPF_MOV, BPF_REG_7, IP6_HDR_LEN + ICMP_HDR_LEN + 24);
	place(p, L_HOST6);
	hash_host(p);
	jump_k(p, BPF_JEQ, BPF_REG_7, IP6_HDR_LEN + ICMP_HDR_LEN + 24, L_QUOTED6);
	l6_port(p, 6, IP6_HDR_LEN, 0, L_ECHO6, L_PORT6);
	place(p, L_QUOTED6);
	l6_port(p, IP6_HDR_LEN + ICMP_HDR_LEN + 6, 2 * IP6_HDR_LEN + ICMP_HDR_LEN, 2, L_QECHO6, L_QPORT6);

	/* key4(): the header's own checks, then fragments, then the port */
	place(p, L_V4);
	jump_k(p, BPF_JLT, BPF_REG_8, IP4_HDR_LEN, L_RET0);
	ld_abs(p, BPF_B, 0);
	ihl(p);
	mov(p, BPF_REG_7, BPF_REG_0);
	jump_k(p, BPF_JLT, BPF_REG_7, IP4_HDR_LEN, L_RET0);
	jump(p, BPF_JGT | BPF_X, BPF_REG_7, BPF_REG_8, 0, L_RET0);
	ld_abs(p, BPF_H, 6);
	jump_k(p, BPF_JSET, BPF_REG_0, IP4_MF | IP4_OFFSET, L_FRAG4);
	ld_abs(p, BPF_B, 9);
	mov(p, BPF_REG_9, BPF_REG_0);
	l4_port(p, 2, L_ECHO, L_PORT, L_ICMP_ERR4);

	/* an ICMP error: the source port of the packet it quotes, at r7 + 8 */
	place(p, L_ICMP_ERR4);
	jump_k(p, BPF_JNE, BPF_REG_9, IPPROTO_ICMP, L_RET0);
	need(p, ICMP_HDR_LEN + IP4_HDR_LEN, L_RET0);
	ld_ind(p, BPF_B, BPF_REG_7, ICMP_HDR_LEN + 9);
	mov(p, BPF_REG_9, BPF_REG_0);
	ld_ind(p, BPF_B, BPF_REG_7, ICMP_HDR_LEN);
	ihl(p);
	jump_k(p, BPF_JLT, BPF_REG_0, IP4_HDR_LEN, L_RET0);
	emit(p, BPF_ALU64 | BPF_ADD | BPF_X, BPF_REG_7, BPF_REG_0, 0, 0);
	emit(p, BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_7, 0, 0, ICMP_HDR_LEN);
	jump(p, BPF_JGT | BPF_X, BPF_REG_7, BPF_REG_8, 0, L_RET0);
	l4_port(p, 0, L_QECHO, L_QPORT, L_RET0);

	/* a fragment: source, destination, Identification */
	place(p, L_FRAG4);
	alu32_k(p, BPF_MOV, BPF_REG_9, NAT64_STEER_BASIS);
	ld_abs(p, BPF_W, 12);
	hash_word(p);
	ld_abs(p, BPF_W, 16);
	hash_word(p);
	ld_abs(p, BPF_H, 4);
	hash_word(p);

	/* hash_finish() */
	place(p, L_FINISH);
	xorshift(p, 16);
	alu32_k(p, BPF_MUL, BPF_REG_9, NAT64_STEER_MIX1);
	xorshift(p, 13);
	alu32_k(p, BPF_MUL, BPF_REG_9, NAT64_STEER_MIX2);
	xorshift(p, 16);
	mov(p, BPF_REG_0, BPF_REG_9);
	place(p, L_MOD);
	alu32_k(p, BPF_MOD, BPF_REG_0, n);
	emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);

	place(p, L_RET0);
	alu32_k(p, BPF_MOV, BPF_REG_0, 0);
	emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

/* Resolve the jumps' labels into offsets. */
static bool link_jumps(struct prog *p)
{
	for (unsigned i = 0; i < p->n; i++) {
		int to;

		if (!p->target[i])
			continue;
		to = p->at[p->target[i] - 1];
		if (to < 0)
			return false;
		p->insn[i].off = (int16_t)(to - (int)i - 1);
	}
	return !p->overflow;
}

static int prog_load(const struct prog *p, char *log, uint32_t loglen)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	a.insns = (uintptr_t)p->insn;
	a.insn_cnt = p->n;
	a.license = (uintptr_t)"";	/* it calls no helper, so none needs a GPL-compatible program */
	if (log) {
		a.log_buf = (uintptr_t)log;
		a.log_size = loglen;
		a.log_level = 1;
	}
	return (int)syscall(__NR_bpf, BPF_PROG_LOAD, &a, sizeof(a));
}

/* The verifier's verdict: the last non-empty line of its log. */
static const char *last_line(char *log)
{
	size_t n = strlen(log);
	char *nl;

	while (n && log[n - 1] == '\n')
		log[--n] = 0;
	nl = strrchr(log, '\n');
	return nl ? nl + 1 : log;
}

bool tun_steer_nat64(const struct tun *t, char *err, size_t errlen)
{
	char log[16384];
	struct prog p = { .n = 0 };
	int fd, e;

	memset(p.at, -1, sizeof(p.at));
	assemble(&p, t->n);
	if (!link_jumps(&p)) {
		snprintf(err, errlen, "the steering program does not assemble");
		return false;
	}
	fd = prog_load(&p, NULL, 0);
	if (fd < 0) {
		e = errno;
		log[0] = 0;
		if (e == EACCES || e == EINVAL)
			prog_load(&p, log, sizeof(log));	/* again, for the verifier's reason */
		snprintf(err, errlen, "loading the steering program: %s%s%s", strerror(e), log[0] ? ": " : "",
			 last_line(log));
		return false;
	}
	if (ioctl(t->fd[0], TUNSETSTEERINGEBPF, &fd) < 0) {
		e = errno;
		close(fd);
		snprintf(err, errlen, "attaching the steering program to %s: %s", t->name, strerror(e));
		return false;
	}
	close(fd);	/* the device holds its own reference */
	return true;
}
