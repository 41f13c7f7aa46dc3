/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv tracepoints (TRACE_SYSTEM hv), for perf record -e 'hv:*', trace-cmd or
 * tracefs (echo 1 > /sys/kernel/tracing/events/hv/enable):
 *
 *   hv_entry            the vCPU is about to enter the guest at @rip
 *   hv_exit             the exit after it, handled: the vendor's code, hv's
 *                       neutral reason (HV_STAT_*), the guest RIP it exited
 *                       at (before the handler moved it), the
 *                       vendor's qualification (SVM EXITINFO1/EXITINFO2, VMX
 *                       exit qualification/interruption information) and the
 *                       handler's verdict (>0 re-entered, 0 to userspace,
 *                       <0 error)
 *   hv_userspace_exit   HV_RUN returns: the HV_EXIT_* userspace sees (or
 *                       HV_EXIT_INTR) and the ioctl's result
 *   hv_userspace_return HV_RUN again: the HV_EXIT_* it completes first
 *   hv_inject           an event set up for the next entry: an interrupt,
 *                       NMI or exception from hv, or one the last exit cut
 *                       short and that is delivered again (@reinjected)
 *
 * Each costs a static-key test while it is off.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM hv

#if !defined(HV_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define HV_TRACE_H

#include <linux/tracepoint.h>
#include "../uapi/linux/hv.h"
#include "hv_stat_names.h"

/* The reason's name, from the one list of them (hv_stat_names.h). */
#define hv_trace_reason(r)	__print_symbolic(r, HV_STAT_NAME_PAIRS)

/*
 * An injected event as both vendors encode it (SVM EVENTINJ, VMX VM-entry
 * interruption information): vector in bits 7:0, type in 10:8, "error code"
 * in bit 11, valid in bit 31.
 */
#define hv_trace_event_type(e)						\
	__print_symbolic(((e) >> 8) & 7,				\
		{ 0, "intr" }, { 2, "nmi" }, { 3, "exception" },	\
		{ 4, "soft_intr" }, { 5, "priv_soft_exception" },	\
		{ 6, "soft_exception" })

TRACE_EVENT(hv_entry,
	TP_PROTO(u32 vcpu_id, u64 rip),
	TP_ARGS(vcpu_id, rip),

	TP_STRUCT__entry(
		__field(u32, vcpu_id)
		__field(u64, rip)
	),

	TP_fast_assign(
		__entry->vcpu_id = vcpu_id;
		__entry->rip = rip;
	),

	TP_printk("vcpu %u rip 0x%llx", __entry->vcpu_id, __entry->rip)
);

TRACE_EVENT(hv_exit,
	TP_PROTO(u32 vcpu_id, u32 hw_reason, u32 reason, u64 rip, u64 qual, u64 info,
		 int verdict),
	TP_ARGS(vcpu_id, hw_reason, reason, rip, qual, info, verdict),

	TP_STRUCT__entry(
		__field(u32, vcpu_id)
		__field(u32, hw_reason)
		__field(u32, reason)
		__field(u64, rip)
		__field(u64, qual)
		__field(u64, info)
		__field(int, verdict)
	),

	TP_fast_assign(
		__entry->vcpu_id = vcpu_id;
		__entry->hw_reason = hw_reason;
		__entry->reason = reason;
		__entry->rip = rip;
		__entry->qual = qual;
		__entry->info = info;
		__entry->verdict = verdict;
	),

	TP_printk("vcpu %u reason %s hw_reason 0x%x rip 0x%llx qual 0x%llx info 0x%llx verdict %d",
		  __entry->vcpu_id, hv_trace_reason(__entry->reason),
		  __entry->hw_reason, __entry->rip, __entry->qual, __entry->info,
		  __entry->verdict)
);

TRACE_EVENT(hv_userspace_exit,
	TP_PROTO(u32 vcpu_id, u32 exit_reason, int ret),
	TP_ARGS(vcpu_id, exit_reason, ret),

	TP_STRUCT__entry(
		__field(u32, vcpu_id)
		__field(u32, exit_reason)
		__field(int, ret)
	),

	TP_fast_assign(
		__entry->vcpu_id = vcpu_id;
		__entry->exit_reason = exit_reason;
		__entry->ret = ret;
	),

	TP_printk("vcpu %u exit_reason %s ret %d", __entry->vcpu_id,
		  hv_trace_reason(__entry->exit_reason), __entry->ret)
);

TRACE_EVENT(hv_userspace_return,
	TP_PROTO(u32 vcpu_id, u32 completed),
	TP_ARGS(vcpu_id, completed),

	TP_STRUCT__entry(
		__field(u32, vcpu_id)
		__field(u32, completed)
	),

	TP_fast_assign(
		__entry->vcpu_id = vcpu_id;
		__entry->completed = completed;
	),

	TP_printk("vcpu %u completes %s", __entry->vcpu_id,
		  hv_trace_reason(__entry->completed))
);

TRACE_EVENT(hv_inject,
	TP_PROTO(u32 vcpu_id, u32 event, u32 error, bool reinjected),
	TP_ARGS(vcpu_id, event, error, reinjected),

	TP_STRUCT__entry(
		__field(u32, vcpu_id)
		__field(u32, event)
		__field(u32, error)
		__field(bool, reinjected)
	),

	TP_fast_assign(
		__entry->vcpu_id = vcpu_id;
		__entry->event = event;
		__entry->error = error;
		__entry->reinjected = reinjected;
	),

	TP_printk("vcpu %u %s vector %u has_error %u error 0x%x reinjected %u", __entry->vcpu_id,
		  hv_trace_event_type(__entry->event),
		  __entry->event & 0xff, (__entry->event >> 11) & 1, __entry->error,
		  __entry->reinjected)
);

#endif /* HV_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE hv_trace
#include <trace/define_trace.h>
