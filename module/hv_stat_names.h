/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The names of the neutral exit reasons (HV_STAT_*), in one list for every
 * place that prints them: the hv:hv_exit tracepoint (hv_trace.h), the
 * binary stats file's descriptor names (hv_stats_fd.c) and the debugfs
 * summary (hv_debugfs.c), all through hv_stats_reason_name() but the
 * tracepoint, whose __print_symbolic() needs the pairs themselves.  A
 * reason added here appears in all three; a tool that reads the stats
 * file or the trace knows it by this name.  Reasons not listed have no
 * name: the stats file leaves them out, the trace prints their number.
 *
 * HV_STAT_NAME_PAIRS is { HV_STAT_UNKNOWN, "unknown" }, { HV_STAT_IO, "io" }...
 * (hv_stat_name_list() only gives its arguments back: it keeps the list
 * one expression for checkpatch).
 */
#ifndef HV_STAT_NAMES_H
#define HV_STAT_NAMES_H

#include "../uapi/linux/hv.h"

#define hv_stat_name_list(...)	__VA_ARGS__

#define HV_STAT_NAME_PAIRS							\
	hv_stat_name_list({ HV_STAT_UNKNOWN, "unknown" }, { HV_STAT_IO, "io" },	\
		{ HV_STAT_MMIO, "mmio" }, { HV_STAT_HLT, "hlt" },		\
		{ HV_STAT_SHUTDOWN, "shutdown" },				\
		{ HV_STAT_HYPERCALL, "hypercall" },				\
		{ HV_STAT_IRQ_WINDOW, "irq_window" },				\
		{ HV_STAT_INTR, "intr" },					\
		{ HV_STAT_FAIL_ENTRY, "fail_entry" },				\
		{ HV_STAT_INTERNAL_ERROR, "internal_error" },			\
		{ HV_STAT_EOI, "eoi" }, { HV_STAT_CPUID, "cpuid" },		\
		{ HV_STAT_MSR, "msr" },						\
		{ HV_STAT_EXTERNAL_INTERRUPT, "external_interrupt" },		\
		{ HV_STAT_NMI, "nmi" }, { HV_STAT_NPF, "npf" },			\
		{ HV_STAT_EXCEPTION, "exception" },				\
		{ HV_STAT_DR_ACCESS, "dr_access" },				\
		{ HV_STAT_INVALID_INSN, "invalid_insn" },			\
		{ HV_STAT_PAUSE, "pause" },					\
		{ HV_STAT_HALT_POLL, "halt_poll" },				\
		{ HV_STAT_HALT_SLEEP, "halt_sleep" },				\
		{ HV_STAT_YIELD, "yield" }, { HV_STAT_IOEVENTFD, "ioeventfd" },	\
		{ HV_STAT_EXPERIMENT, "experiment" },				\
		{ HV_STAT_COALESCED, "coalesced" },				\
		{ HV_STAT_OTHER, "other" })

#endif /* HV_STAT_NAMES_H */
