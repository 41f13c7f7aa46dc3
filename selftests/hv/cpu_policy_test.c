// SPDX-License-Identifier: GPL-2.0
/*
 * cpu_policy_test: a guest sees the CPU its CPUID describes, on both
 * vendors.  MSRs: those that guests touch at start-up whatever CPUID says
 * (module/x86/msr.c), from the guest's RDMSR/WRMSR and from the VMM's
 * HV_GET_MSRS/HV_SET_MSRS, give the answer of a CPU with the features hv
 * offers, and the MSRs of features hv does not offer still raise #GP.
 * CR4 and EFER: a bit the guest's CPUID does not offer, a reserved bit,
 * and the PAE and PCIDE rules of MOV to CR4 raise #GP in the guest (not a
 * failed VM entry), checked by hv on both vendors (x86/sregs.c, msr.c).
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "hv_util.h"
#include "processor.h"
#include "ucall.h"

KTAP_DEFINE_STATE;

#define MSR_P6_PERFCTR0		0xc1
#define MSR_P6_EVNTSEL0		0x186
#define MSR_K7_EVNTSEL0		0xc0010000
#define MSR_K7_PERFCTR0		0xc0010004
#define MSR_IA32_PLATFORM_ID	0x17
#define MSR_IA32_EBL_CR_POWERON	0x2a
#define MSR_AMD64_SYSCFG	0xc0010010
#define MSR_K7_HWCR		0xc0010015
#define MSR_FAM10H_MMCONF_BASE	0xc0010058
#define MSR_AMD64_DE_CFG	0xc0011029
#define HWCR_TSC_FREQ_SEL	(1ULL << 24)
#define DE_CFG_LFENCE_SERIAL	(1ULL << 1)

/* MSRs of features hv hides in CPUID: they must stay #GP. */
#define MSR_IA32_SPEC_CTRL	0x48
#define MSR_IA32_MCG_CAP	0x179
#define MSR_IA32_PERF_CAPS	0x345
#define MSR_F15H_PERF_CTL0	0xc0010200
#define MSR_VM_CR		0xc0010114

/* An event-select value that would count and interrupt on a real PMU. */
#define EVNTSEL_ENABLED		0x530076ULL

static volatile uint64_t gp_count;

static void guest_gp_skip(struct ex_regs *regs)
{
	gp_count++;
	regs->rip += 2;		/* RDMSR and WRMSR are two bytes */
}

/* RDMSR; true if it raised #GP (then *v is 0). */
static bool rdmsr_gp(uint32_t msr, uint64_t *v)
{
	uint64_t before = gp_count;
	uint32_t lo = 0, hi = 0;

	__asm__ volatile("rdmsr" : "+a"(lo), "+d"(hi) : "c"(msr) : "memory");
	*v = lo | ((uint64_t)hi << 32);
	return gp_count != before;
}

static bool wrmsr_gp(uint32_t msr, uint64_t v)
{
	uint64_t before = gp_count;

	wrmsr(msr, v);
	return gp_count != before;
}

static const uint32_t pmu_msrs[] = {
	MSR_K7_EVNTSEL0, MSR_K7_EVNTSEL0 + 1, MSR_K7_EVNTSEL0 + 2, MSR_K7_EVNTSEL0 + 3,
	MSR_K7_PERFCTR0, MSR_K7_PERFCTR0 + 1, MSR_K7_PERFCTR0 + 2, MSR_K7_PERFCTR0 + 3,
	MSR_P6_PERFCTR0, MSR_P6_PERFCTR0 + 1, MSR_P6_EVNTSEL0, MSR_P6_EVNTSEL0 + 1,
};

static const uint32_t hidden_msrs[] = {
	MSR_IA32_SPEC_CTRL, MSR_IA32_MCG_CAP, MSR_IA32_PERF_CAPS, MSR_F15H_PERF_CTL0,
	MSR_VM_CR,
};

/* Each MSR in a SYNC: arg0 the step, arg1 the MSR, so a failure names it. */
static void guest_check_read(uint32_t msr, uint64_t want)
{
	uint64_t v;

	if (rdmsr_gp(msr, &v))
		GUEST_SYNC_ARGS(0xbad1, msr, 0, 0);
	if (v != want)
		GUEST_SYNC_ARGS(0xbad2, msr, v, want);
}

static void guest_check_write(uint32_t msr, uint64_t v, bool gp)
{
	if (wrmsr_gp(msr, v) != gp)
		GUEST_SYNC_ARGS(gp ? 0xbad3 : 0xbad4, msr, v, 0);
}

static void guest_legacy_pmu(void)
{
	unsigned int i;

	guest_install_handler(GP_VECTOR, guest_gp_skip);
	for (i = 0; i < ARRAY_SIZE(pmu_msrs); i++) {
		guest_check_read(pmu_msrs[i], 0);
		guest_check_write(pmu_msrs[i], EVNTSEL_ENABLED, false);
		guest_check_read(pmu_msrs[i], 0);	/* dropped: nothing counts */
		guest_check_write(pmu_msrs[i], 0, false);
	}
	GUEST_DONE();
}

static void guest_config_msrs(void)
{
	guest_install_handler(GP_VECTOR, guest_gp_skip);
	guest_check_read(MSR_K7_HWCR, HWCR_TSC_FREQ_SEL);
	guest_check_write(MSR_K7_HWCR, HWCR_TSC_FREQ_SEL, false);	/* what it read */
	guest_check_write(MSR_K7_HWCR, HWCR_TSC_FREQ_SEL | (1ULL << 8), false);	/* IGNNE: dropped */
	guest_check_write(MSR_K7_HWCR, 1ULL << 30, true);	/* IRPERF_EN: not offered */
	guest_check_read(MSR_K7_HWCR, HWCR_TSC_FREQ_SEL);

	guest_check_read(MSR_AMD64_DE_CFG, DE_CFG_LFENCE_SERIAL);
	guest_check_write(MSR_AMD64_DE_CFG, DE_CFG_LFENCE_SERIAL, false);	/* Linux's write */
	guest_check_write(MSR_AMD64_DE_CFG, 1ULL << 0, true);

	guest_check_read(MSR_AMD64_SYSCFG, 0);
	guest_check_write(MSR_AMD64_SYSCFG, 0, false);
	guest_check_write(MSR_AMD64_SYSCFG, 1ULL << 23, true);	/* memory encryption */
	guest_check_read(MSR_FAM10H_MMCONF_BASE, 0);
	guest_check_write(MSR_FAM10H_MMCONF_BASE, 0xe0000001ULL, true);

	guest_check_read(MSR_IA32_PLATFORM_ID, 0);
	guest_check_write(MSR_IA32_PLATFORM_ID, 0, true);		/* read-only */
	guest_check_read(MSR_IA32_EBL_CR_POWERON, 0);
	GUEST_DONE();
}

static void guest_hidden_msrs(void)
{
	unsigned int i;
	uint64_t v;

	guest_install_handler(GP_VECTOR, guest_gp_skip);
	for (i = 0; i < ARRAY_SIZE(hidden_msrs); i++) {
		if (!rdmsr_gp(hidden_msrs[i], &v))
			GUEST_SYNC_ARGS(0xbad5, hidden_msrs[i], v, 0);
		guest_check_write(hidden_msrs[i], 0, true);
	}
	GUEST_DONE();
}

/*
 * A SYNC 0xbad1-0xbad7 from one of the guest's checks failing (MSRs:
 * guest_check_read(), guest_check_write(); CR4: guest_cr4_expect() and
 * the mode rules): say what it did, with arg1-3.
 */
static void guest_check_failed(const struct ucall *uc)
{
	static const char *const what[] = {
		[1] = "MSR %#llx: RDMSR raised #GP",
		[2] = "MSR %#llx: RDMSR read %#llx, expected %#llx",
		[3] = "MSR %#llx: WRMSR of %#llx did not raise #GP",
		[4] = "MSR %#llx: WRMSR of %#llx raised #GP",
		[5] = "MSR %#llx: RDMSR did not raise #GP (read %#llx)",
		[6] = "MOV to CR4 setting bit %#llx: #GP expected %llu, CR4 now %#llx",
		[7] = "MOV to CR4 setting bit %#llx: CR4 was %#llx, is %#llx",
	};
	unsigned int k = uc->args[0] - 0xbad0;
	char msg[128];

	TEST_ASSERT(k >= 1 && k <= 7, "unexpected SYNC %#llx", (unsigned long long)uc->args[0]);
	snprintf(msg, sizeof(msg), what[k], (unsigned long long)uc->args[1],
		 (unsigned long long)uc->args[2], (unsigned long long)uc->args[3]);
	errno = 0;
	TEST_FAIL("%s", msg);
}

/*
 * Runs @guest to DONE with @bits of the supported CPUID's leaf @function
 * (register at @reg in struct hv_cpuid_entry) hidden from it; at the
 * guest's SYNC 1 they are offered again, as the supported table has them.
 * Any other SYNC is one of the guest's checks failing.
 */
static void run_guest_cpuid_hidden(void *guest, uint32_t function, size_t reg, uint32_t bits)
{
	struct hv_cpuid *sup = hv_get_supported_cpuid();
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest);
	struct hv_cpuid_entry *e = bits ? hv_cpuid_find(sup, function, 0) : NULL;
	uint32_t *r = e ? (uint32_t *)((char *)e + reg) : NULL, had = r ? *r & bits : 0;
	struct ucall uc;

	TEST_ASSERT(!bits || e, "the supported CPUID has no leaf %#x", function);
	if (r) {
		*r &= ~bits;
		TEST_ASSERT(ioctl(vcpu->fd, HV_SET_CPUID, sup) == 0, "HV_SET_CPUID");
	}
	while (vcpu_run_ucall(vcpu, &uc) == UCALL_SYNC) {
		if (!r || uc.args[0] != 1)
			guest_check_failed(&uc);
		*r |= had;
		TEST_ASSERT(ioctl(vcpu->fd, HV_SET_CPUID, sup) == 0, "HV_SET_CPUID");
	}
	TEST_ASSERT(uc.cmd == UCALL_DONE, "guest ended with %s", ucall_name(uc.cmd));
	free(sup);
	vm_destroy(vm);
}

/* Runs @vcpu to DONE; a SYNC is one of the guest's checks failing. */
static void vcpu_expect_checks_pass(struct vcpu *vcpu)
{
	struct ucall uc;

	while (vcpu_run_ucall(vcpu, &uc) == UCALL_SYNC)
		guest_check_failed(&uc);
	TEST_ASSERT(uc.cmd == UCALL_DONE, "guest ended with %s", ucall_name(uc.cmd));
}

/* Runs @guest to DONE; a SYNC is one of the guest's checks failing. */
static void run_guest(void *guest)
{
	run_guest_cpuid_hidden(guest, 0, 0, 0);
}

static void test_legacy_pmu(void)
{
	run_guest(guest_legacy_pmu);
}

static void test_config_msrs(void)
{
	run_guest(guest_config_msrs);
}

static void test_hidden_msrs(void)
{
	run_guest(guest_hidden_msrs);
}

/* The VMM sees and restores the same answers (save/restore of a guest). */
static void test_host_access(void)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_hidden_msrs);
	uint64_t v = 1;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(pmu_msrs); i++) {
		TEST_ASSERT(vcpu_get_msr(vcpu, pmu_msrs[i], &v) == 1 && v == 0,
			    "HV_GET_MSRS %#x: %#llx", pmu_msrs[i], (unsigned long long)v);
		TEST_ASSERT(vcpu_set_msr(vcpu, pmu_msrs[i], EVNTSEL_ENABLED) == 1,
			    "HV_SET_MSRS %#x", pmu_msrs[i]);
	}
	TEST_ASSERT(vcpu_get_msr(vcpu, MSR_K7_HWCR, &v) == 1 && v == HWCR_TSC_FREQ_SEL,
		    "HV_GET_MSRS HWCR: %#llx", (unsigned long long)v);
	TEST_ASSERT(vcpu_set_msr(vcpu, MSR_K7_HWCR, v) == 1, "HV_SET_MSRS HWCR of its own value");
	TEST_ASSERT(vcpu_set_msr(vcpu, MSR_K7_HWCR, 1ULL << 30) == 0,
		    "HV_SET_MSRS HWCR.IRPERF_EN accepted");
	TEST_ASSERT(vcpu_set_msr(vcpu, MSR_AMD64_SYSCFG, 1ULL << 23) == 0,
		    "HV_SET_MSRS SYSCFG.SMEE accepted");
	for (i = 0; i < ARRAY_SIZE(hidden_msrs); i++)
		TEST_ASSERT(vcpu_get_msr(vcpu, hidden_msrs[i], &v) == 0,
			    "HV_GET_MSRS %#x of a hidden feature processed", hidden_msrs[i]);
	vcpu_expect_done(vcpu);
	vm_destroy(vm);
}

/* ---- IA32_TSC_ADJUST ------------------------------------------------------------- */

#define MSR_IA32_TSC_ADJUST	0x3b
#define TSC_STEP		(1ULL << 40)
#define TSC_SLACK		(1ULL << 36)	/* the TSC cycles between two reads, generously */

/*
 * A write to TSC_ADJUST moves the TSC by the difference; a write to the
 * TSC adds its change to TSC_ADJUST (SDM 18.17.3).  Values are reported in
 * SYNC 2 for the host to compare with HV_GET_MSRS.
 */
static void guest_tsc_adjust(void)
{
	uint64_t t0, t1, adj;
	uint32_t a, b, c, d;

	cpuid_count(7, 0, &a, &b, &c, &d);
	GUEST_ASSERT(b & (1u << 1));			/* CPUID.7.0:EBX.TSC_ADJUST */
	GUEST_ASSERT_EQ(rdmsr(MSR_IA32_TSC_ADJUST), 0);
	t0 = rdtsc();
	wrmsr(MSR_IA32_TSC_ADJUST, TSC_STEP);
	t1 = rdtsc();
	GUEST_ASSERT(t1 - t0 >= TSC_STEP && t1 - t0 < TSC_STEP + TSC_SLACK);
	GUEST_ASSERT_EQ(rdmsr(MSR_IA32_TSC_ADJUST), TSC_STEP);

	t0 = rdtsc();
	wrmsr(MSR_IA32_TSC, 0x1000);			/* back by about t0 */
	adj = rdmsr(MSR_IA32_TSC_ADJUST);
	GUEST_ASSERT(rdtsc() < 0x1000 + TSC_SLACK);
	/* TSC_STEP + 0x1000 - (t0 + a few cycles): within the slack of that. */
	GUEST_ASSERT(adj <= TSC_STEP + 0x1000 - t0 && adj > TSC_STEP + 0x1000 - t0 - TSC_SLACK);
	GUEST_SYNC_ARGS(2, adj, 0, 0);
	/* The host set TSC_ADJUST to 5 without moving the TSC. */
	GUEST_ASSERT_EQ(rdmsr(MSR_IA32_TSC_ADJUST), 5);
	GUEST_ASSERT(rdtsc() < 0x1000 + 2 * TSC_SLACK);
	GUEST_DONE();
}

static void guest_tsc_adjust_hidden(void)
{
	guest_install_handler(GP_VECTOR, guest_gp_skip);
	guest_check_write(MSR_IA32_TSC_ADJUST, 0, true);
	guest_check_write(MSR_IA32_TSC, rdtsc(), false);	/* the TSC itself stays writable */
	GUEST_DONE();
}

static void test_tsc_adjust(void)
{
	struct hv_cpuid *sup = hv_get_supported_cpuid();
	struct hv_cpuid_entry *e = hv_cpuid_find(sup, 7, 0);
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_tsc_adjust);
	struct ucall uc;
	uint64_t v = 0;

	TEST_ASSERT(e && (e->ebx & (1u << 1)), "HV_GET_SUPPORTED_CPUID does not offer TSC_ADJUST");
	TEST_ASSERT(vcpu_run_ucall(vcpu, &uc) == UCALL_SYNC && uc.args[0] == 2,
		    "expected SYNC 2, got %s %#llx", ucall_name(uc.cmd), (unsigned long long)uc.args[0]);
	TEST_ASSERT(vcpu_get_msr(vcpu, MSR_IA32_TSC_ADJUST, &v) == 1 && v == uc.args[1],
		    "HV_GET_MSRS TSC_ADJUST %#llx, the guest read %#llx", (unsigned long long)v,
		    (unsigned long long)uc.args[1]);
	TEST_ASSERT(vcpu_set_msr(vcpu, MSR_IA32_TSC_ADJUST, 5) == 1, "HV_SET_MSRS TSC_ADJUST");
	vcpu_expect_done(vcpu);
	vm_destroy(vm);

	/* Hidden by the VMM: the MSR does not exist, for the guest or the VMM. */
	vm = vm_create(0);
	vcpu = vm_vcpu_add(vm, 0, guest_tsc_adjust_hidden);
	e->ebx &= ~(1u << 1);
	TEST_ASSERT(ioctl(vcpu->fd, HV_SET_CPUID, sup) == 0, "HV_SET_CPUID");
	TEST_ASSERT(vcpu_get_msr(vcpu, MSR_IA32_TSC_ADJUST, &v) == 0,
		    "HV_GET_MSRS TSC_ADJUST processed with TSC_ADJUST hidden from CPUID");
	vcpu_expect_checks_pass(vcpu);
	free(sup);
	vm_destroy(vm);
}

/* ---- RDTSCP and IA32_TSC_AUX ------------------------------------------------------ */

#define MSR_TSC_AUX		0xc0000103
#define E1_EDX_RDTSCP		(1u << 27)
#define L7_ECX_RDPID		(1u << 22)
#define TSC_AUX_ROUNDS		16
#define TSC_AUX_GUEST		0x12345678u
#define TSC_AUX_VMM(i)		(0xa000u + (i))

static inline uint32_t rdtscp_aux(void)
{
	uint32_t lo, hi, aux;

	__asm__ volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux));
	return aux;
}

/*
 * RDTSCP returns the guest's TSC_AUX, written by the guest or by the VMM,
 * whichever host CPU the vCPU runs on: the host moves the vCPU's thread
 * between CPUs at each SYNC 2 and sets a new value.  Bits 63:32 are
 * reserved.
 */
static void guest_tsc_aux(void)
{
	uint32_t a, b, c, d, i;

	cpuid_count(0x80000001, 0, &a, &b, &c, &d);
	GUEST_ASSERT(d & E1_EDX_RDTSCP);
	guest_install_handler(GP_VECTOR, guest_gp_skip);
	guest_check_read(MSR_TSC_AUX, 0);		/* its reset value */
	guest_check_write(MSR_TSC_AUX, TSC_AUX_GUEST, false);
	GUEST_ASSERT_EQ(rdtscp_aux(), TSC_AUX_GUEST);
	guest_check_write(MSR_TSC_AUX, 1ULL << 32, true);
	guest_check_read(MSR_TSC_AUX, TSC_AUX_GUEST);
	for (i = 0; i < TSC_AUX_ROUNDS; i++) {
		GUEST_SYNC_ARGS(2, i, 0, 0);
		GUEST_ASSERT_EQ(rdtscp_aux(), TSC_AUX_VMM(i));
		guest_check_read(MSR_TSC_AUX, TSC_AUX_VMM(i));
	}
	GUEST_DONE();
}

static volatile uint64_t ud_count;

static void guest_ud_skip_rdtscp(struct ex_regs *regs)
{
	ud_count++;
	regs->rip += 3;		/* 0f 01 f9 */
}

/* With RDTSCP and RDPID hidden, TSC_AUX does not exist. */
static void guest_tsc_aux_msr_hidden(void)
{
	uint64_t v;

	guest_install_handler(GP_VECTOR, guest_gp_skip);
	guest_check_write(MSR_TSC_AUX, 1, true);
	if (!rdmsr_gp(MSR_TSC_AUX, &v))
		GUEST_SYNC_ARGS(0xbad5, MSR_TSC_AUX, v, 0);
	GUEST_DONE();
}

/* ... and RDTSCP is #UD, as on a CPU without it. */
static void guest_rdtscp_hidden(void)
{
	guest_install_handler(UD_VECTOR, guest_ud_skip_rdtscp);
	rdtscp_aux();
	GUEST_ASSERT_EQ(ud_count, 1);
	GUEST_DONE();
}

/* A vCPU running @guest with RDTSCP and RDPID hidden from its CPUID. */
static struct vcpu *vcpu_add_tsc_aux_hidden(struct vm *vm, void *guest)
{
	struct hv_cpuid *sup = hv_get_supported_cpuid();
	struct hv_cpuid_entry *e1 = hv_cpuid_find(sup, 0x80000001, 0);
	struct hv_cpuid_entry *e7 = hv_cpuid_find(sup, 7, 0);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest);

	TEST_ASSERT(e1, "the supported CPUID has no leaf 0x80000001");
	e1->edx &= ~E1_EDX_RDTSCP;
	if (e7)
		e7->ecx &= ~L7_ECX_RDPID;
	TEST_ASSERT(ioctl(vcpu->fd, HV_SET_CPUID, sup) == 0, "HV_SET_CPUID");
	free(sup);
	return vcpu;
}

/* The host's own TSC_AUX, as Linux set it ((node << 12) | CPU), seen from here. */
static void expect_host_tsc_aux(int cpu)
{
	uint32_t aux;

	pin_to_cpu(cpu);
	aux = rdtscp_aux();
	TEST_ASSERT((aux & 0xfff) == (uint32_t)cpu,
		    "the host's TSC_AUX on CPU %d is %#x after HV_RUN: the guest's was left in it",
		    cpu, aux);
}

static void test_tsc_aux(void)
{
	struct hv_cpuid *sup = hv_get_supported_cpuid();
	struct hv_cpuid_entry *e1 = hv_cpuid_find(sup, 0x80000001, 0);
	long ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	uint32_t a, b, c, d;
	struct vcpu *vcpu;
	struct ucall uc;
	struct vm *vm;
	uint64_t v;
	int i = 0;

	cpuid_count(0x80000001, 0, &a, &b, &c, &d);
	if (!(d & E1_EDX_RDTSCP))
		TEST_SKIP("the host CPU has no RDTSCP");
	TEST_ASSERT(e1 && (e1->edx & E1_EDX_RDTSCP), "HV_GET_SUPPORTED_CPUID does not offer RDTSCP");

	vm = vm_create(0);
	vcpu = vm_vcpu_add(vm, 0, guest_tsc_aux);
	while (vcpu_run_ucall(vcpu, &uc) == UCALL_SYNC) {
		if (uc.args[0] != 2)
			guest_check_failed(&uc);
		TEST_ASSERT(uc.args[1] == (uint64_t)i && i < TSC_AUX_ROUNDS, "SYNC 2 of round %llu",
			    (unsigned long long)uc.args[1]);
		expect_host_tsc_aux(i % ncpus);
		TEST_ASSERT(vcpu_get_msr(vcpu, MSR_TSC_AUX, &v) == 1 &&
			    v == (i ? TSC_AUX_VMM(i - 1) : TSC_AUX_GUEST),
			    "HV_GET_MSRS TSC_AUX %#llx in round %d", (unsigned long long)v, i);
		TEST_ASSERT(vcpu_set_msr(vcpu, MSR_TSC_AUX, 1ULL << 32) == 0,
			    "HV_SET_MSRS TSC_AUX with bit 32 accepted");
		TEST_ASSERT(vcpu_set_msr(vcpu, MSR_TSC_AUX, TSC_AUX_VMM(i)) == 1, "HV_SET_MSRS TSC_AUX");
		i++;
	}
	TEST_ASSERT(uc.cmd == UCALL_DONE && i == TSC_AUX_ROUNDS, "guest ended with %s after %d rounds",
		    ucall_name(uc.cmd), i);
	expect_host_tsc_aux(0);
	free(sup);
	vm_destroy(vm);

	vm = vm_create(0);
	vcpu = vcpu_add_tsc_aux_hidden(vm, guest_tsc_aux_msr_hidden);
	TEST_ASSERT(vcpu_get_msr(vcpu, MSR_TSC_AUX, &v) == 0,
		    "HV_GET_MSRS TSC_AUX processed with RDTSCP and RDPID hidden from CPUID");
	vcpu_expect_checks_pass(vcpu);
	vm_destroy(vm);
}

static void test_tsc_aux_hidden(void)
{
	struct vm *vm = vm_create(0);

	/*
	 * hv intercepts RDTSCP for this guest on SVM (svm.c), but QEMU 7.2's
	 * TCG checks the RDTSC intercept for RDTSCP (helper_rdtscp() calls
	 * helper_rdtsc()), so the guest's RDTSCP never exits there.
	 */
	if (vm->vendor == HV_VENDOR_SVM && host_is_qemu_tcg())
		TEST_SKIP("QEMU's TCG SVM checks the RDTSC intercept for RDTSCP, not the RDTSCP intercept");
	vcpu_expect_checks_pass(vcpu_add_tsc_aux_hidden(vm, guest_rdtscp_hidden));
	vm_destroy(vm);
}

/* ---- CR4 -------------------------------------------------------------------------- */

#define CR4_PAE			(1ULL << 5)
#define CR4_VMXE		(1ULL << 13)
#define CR4_SMXE		(1ULL << 14)
#define CR4_FSGSBASE		(1ULL << 16)
#define CR4_PCIDE		(1ULL << 17)
#define CR4_OSXSAVE		(1ULL << 18)
#define CR4_SMEP		(1ULL << 20)
#define CR4_PKE			(1ULL << 22)
#define CR4_RESERVED31		(1ULL << 31)

static inline uint64_t read_cr4(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static inline uint64_t read_cr3(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static void guest_gp_skip_mov_cr(struct ex_regs *regs)
{
	gp_count++;
	regs->rip += 3;		/* mov %rax, %crN: 0f 22 c0+N*8 */
}

/* MOV to CR4 from RAX (three bytes, as the handler skips); true if it raised #GP. */
static bool write_cr4_gp(uint64_t v)
{
	uint64_t before = gp_count;

	__asm__ volatile("mov %%rax, %%cr4" : : "a"(v) : "memory");
	return gp_count != before;
}

static void write_cr3(uint64_t v)
{
	__asm__ volatile("mov %%rax, %%cr3" : : "a"(v) : "memory");
}

static bool guest_has(uint32_t leaf, int reg, unsigned int bit)
{
	uint32_t r[4];

	cpuid_count(leaf, 0, &r[0], &r[1], &r[2], &r[3]);
	return r[reg] & (1u << bit);
}

/* SYNC 0xbad6 (bit, expected #GP) when a write did not do what @gp says; CR4 must hold. */
static void guest_cr4_expect(uint64_t bit, bool gp)
{
	uint64_t before = read_cr4();

	if (write_cr4_gp(before | bit) != gp)
		GUEST_SYNC_ARGS(0xbad6, bit, gp, read_cr4());
	if (gp && read_cr4() != before)
		GUEST_SYNC_ARGS(0xbad7, bit, before, read_cr4());
	if (!gp && (read_cr4() & bit) != bit)
		GUEST_SYNC_ARGS(0xbad7, bit, before, read_cr4());
	if (!gp && write_cr4_gp(before))
		GUEST_SYNC_ARGS(0xbad6, bit, 1, read_cr4());
}

/*
 * Each CPUID-gated bit follows the guest's own CPUID (the host test hides
 * FSGSBASE and SMEP from it); VMX, SMX and PKU are never offered.
 */
static void guest_cr4_cpuid_bits(void)
{
	guest_install_handler(GP_VECTOR, guest_gp_skip_mov_cr);
	guest_cr4_expect(CR4_FSGSBASE, !guest_has(7, 1, 0));
	guest_cr4_expect(CR4_SMEP, !guest_has(7, 1, 7));
	guest_cr4_expect(CR4_VMXE, true);
	guest_cr4_expect(CR4_SMXE, true);
	guest_cr4_expect(CR4_PKE, true);
	guest_cr4_expect(CR4_RESERVED31, true);
	GUEST_SYNC(1);		/* the host offers FSGSBASE and SMEP now, if it can */
	guest_cr4_expect(CR4_FSGSBASE, !guest_has(7, 1, 0));
	guest_cr4_expect(CR4_SMEP, !guest_has(7, 1, 7));
	GUEST_DONE();
}

/* OSXSAVE with XSAVE hidden (#GP), then offered where the host has it. */
static void guest_cr4_osxsave(void)
{
	guest_install_handler(GP_VECTOR, guest_gp_skip_mov_cr);
	GUEST_ASSERT(!guest_has(1, 2, 26));
	guest_cr4_expect(CR4_OSXSAVE, true);
	GUEST_SYNC(1);
	guest_cr4_expect(CR4_OSXSAVE, !guest_has(1, 2, 26));
	GUEST_DONE();
}

/* Long mode: PAE stays; PCIDE needs PCID offered and a CR3 with PCID 0. */
static void guest_cr4_mode_rules(void)
{
	uint64_t cr3 = read_cr3(), cr4 = read_cr4();

	guest_install_handler(GP_VECTOR, guest_gp_skip_mov_cr);
	if (!write_cr4_gp(cr4 & ~CR4_PAE))
		GUEST_SYNC_ARGS(0xbad6, CR4_PAE, 1, read_cr4());
	if (guest_has(1, 2, 17)) {
		write_cr3(cr3 | 1);		/* PCID 1 once PCIDE is on; ignored now */
		if (!write_cr4_gp(cr4 | CR4_PCIDE))
			GUEST_SYNC_ARGS(0xbad6, CR4_PCIDE, 1, read_cr4());
		write_cr3(cr3);
		if (write_cr4_gp(cr4 | CR4_PCIDE))
			GUEST_SYNC_ARGS(0xbad6, CR4_PCIDE, 0, read_cr4());
		if (write_cr4_gp(cr4))
			GUEST_SYNC_ARGS(0xbad6, CR4_PCIDE, 0, read_cr4());
	} else {
		guest_cr4_expect(CR4_PCIDE, true);
	}
	if (read_cr4() != cr4)
		GUEST_SYNC_ARGS(0xbad7, 0, cr4, read_cr4());
	GUEST_DONE();
}

/* FSGSBASE and SMEP hidden from the guest, then offered again. */
static void test_cr4_cpuid_bits(void)
{
	run_guest_cpuid_hidden(guest_cr4_cpuid_bits, 7, offsetof(struct hv_cpuid_entry, ebx),
			       (1u << 0) | (1u << 7));
}

static void test_cr4_osxsave(void)
{
	run_guest_cpuid_hidden(guest_cr4_osxsave, 1, offsetof(struct hv_cpuid_entry, ecx),
			       1u << 26);
}

static void test_cr4_mode_rules(void)
{
	run_guest(guest_cr4_mode_rules);
}

/* ---- EFER ------------------------------------------------------------------------- */

#define MSR_EFER		0xc0000080
#define EFER_NX			(1ULL << 11)
#define E1_EDX_NX		(1u << 20)

/* NX is the guest's only while its CPUID offers it (the host test hides it, then offers it). */
static void guest_efer_nx(void)
{
	uint64_t efer = rdmsr(MSR_EFER);

	guest_install_handler(GP_VECTOR, guest_gp_skip);
	guest_check_write(MSR_EFER, efer & ~EFER_NX, false);	/* hv's page tables use no NX bit */
	guest_check_write(MSR_EFER, efer | EFER_NX, true);
	GUEST_SYNC(1);
	guest_check_write(MSR_EFER, efer | EFER_NX, false);
	guest_check_read(MSR_EFER, efer | EFER_NX);
	GUEST_DONE();
}

static void test_efer_cpuid_bits(void)
{
	struct hv_cpuid *sup = hv_get_supported_cpuid();
	struct hv_cpuid_entry *e = hv_cpuid_find(sup, 0x80000001, 0);
	bool nx = e && (e->edx & E1_EDX_NX);

	free(sup);
	if (!nx)
		TEST_SKIP("hv offers no NX on this host (CPUID.80000001:EDX.NX clear)");
	run_guest_cpuid_hidden(guest_efer_nx, 0x80000001, offsetof(struct hv_cpuid_entry, edx),
			       E1_EDX_NX);
}

/*
 * HV_SET_SREGS follows the guest's CPUID too: OSXSAVE needs XSAVE, EFER.NX
 * needs NX, EFER.LME long mode.
 */
static void test_sregs_cpuid(void)
{
	struct hv_cpuid *sup = hv_get_supported_cpuid();
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vm_vcpu_add(vm, 0, guest_hidden_msrs);
	struct hv_cpuid_entry *e = hv_cpuid_find(sup, 0x80000001, 0);
	struct hv_cpuid_entry *l1 = hv_cpuid_find(sup, 1, 0);
	struct hv_sregs s, saved;

	TEST_ASSERT(l1, "the supported CPUID has no leaf 1");
	l1->ecx &= ~(1u << 26);
	TEST_ASSERT(ioctl(vcpu->fd, HV_SET_CPUID, sup) == 0, "HV_SET_CPUID");
	vcpu_sregs_get(vcpu, &saved);
	s = saved;
	s.cr4 |= CR4_OSXSAVE;
	TEST_ASSERT(__vcpu_sregs_set(vcpu, &s) < 0 && errno == EINVAL,
		    "HV_SET_SREGS with CR4.OSXSAVE (XSAVE not offered) accepted");
	TEST_ASSERT(e, "the supported CPUID has no leaf 0x80000001");
	e->edx &= ~(E1_EDX_NX | (1u << 29));		/* no NX, no long mode */
	TEST_ASSERT(ioctl(vcpu->fd, HV_SET_CPUID, sup) == 0, "HV_SET_CPUID");
	TEST_ASSERT(__vcpu_sregs_set(vcpu, &saved) < 0 && errno == EINVAL,
		    "HV_SET_SREGS in long mode with EFER.NX accepted, CPUID offering neither");
	free(sup);
	vm_destroy(vm);
}

static const struct hv_test tests[] = {
	{ "msr_legacy_pmu_read_zero_writes_dropped", test_legacy_pmu, 0 },
	{ "msr_amd_and_intel_config", test_config_msrs, 0 },
	{ "msr_hidden_features_gp", test_hidden_msrs, 0 },
	{ "msr_vmm_get_set", test_host_access, 0 },
	{ "msr_tsc_adjust", test_tsc_adjust, 0 },
	{ "rdtscp_tsc_aux", test_tsc_aux, 0 },
	{ "rdtscp_hidden_ud", test_tsc_aux_hidden, 0 },
	{ "cr4_bits_follow_guest_cpuid", test_cr4_cpuid_bits, 0 },
	{ "cr4_osxsave_follows_guest_cpuid", test_cr4_osxsave, 0 },
	{ "cr4_pae_and_pcide_rules", test_cr4_mode_rules, 0 },
	{ "efer_nx_follows_guest_cpuid", test_efer_cpuid_bits, 0 },
	{ "sregs_follow_guest_cpuid", test_sregs_cpuid, 0 },
};

int main(void)
{
	hv_test_main(tests, ARRAY_SIZE(tests));
}
