/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv tracepoints: one event per VM exit, with the vendor's raw reason, the
 * neutral reason, the guest
 * RIP and the handler's verdict (>0 re-entered, 0 to userspace, <0 error).
 * Enable with: echo 1 > /sys/kernel/tracing/events/hv/enable
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM hv

#if !defined(HV_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define HV_TRACE_H

#include <linux/tracepoint.h>

TRACE_EVENT(hv_exit,
	TP_PROTO(u32 vcpu_id, u32 hw_reason, u32 reason, u64 rip, int verdict),
	TP_ARGS(vcpu_id, hw_reason, reason, rip, verdict),

	TP_STRUCT__entry(
		__field(u32, vcpu_id)
		__field(u32, hw_reason)
		__field(u32, reason)
		__field(u64, rip)
		__field(int, verdict)
	),

	TP_fast_assign(
		__entry->vcpu_id = vcpu_id;
		__entry->hw_reason = hw_reason;
		__entry->reason = reason;
		__entry->rip = rip;
		__entry->verdict = verdict;
	),

	TP_printk("vcpu %u hw_reason 0x%x reason %u rip 0x%llx verdict %d",
		  __entry->vcpu_id, __entry->hw_reason, __entry->reason, __entry->rip, __entry->verdict)
);

#endif /* HV_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE hv_trace
#include <trace/define_trace.h>
