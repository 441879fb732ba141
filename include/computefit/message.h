/*
 * message.h - every sentence computefit says about a workload, as a code and its figures.
 *
 * The core decides and measures; it does not write prose. A reason, a warning, a blocked limit,
 * a summary or a description of a priced variant is a struct message: a code and up to
 * MSG_ARGS_MAX arguments (numbers, borrowed strings, or other messages). The wording of each
 * code lives in one table (CF_MESSAGES below), so the JSON, text, Markdown and SVG answers all
 * say the same thing in the same words.
 *
 * Templates are plain text with placeholders:
 *   {N}        argument N: a number as %g, a string as it is, a message formatted in turn;
 *   {N:FMT}    a number with the printf conversion FMT: 'g' or 'f', optionally after a
 *              precision of one or two digits ('.3g', '.2f');
 *   {N?yes|no} "yes" when number N is non-zero, else "no" (literal text, no braces).
 * tests/test_message.c checks every template against these rules and the arguments its code is
 * given.
 */
#ifndef COMPUTEFIT_MESSAGE_H
#define COMPUTEFIT_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>

/* X(CODE, "name", "template"): the name is the code in machine form, for logs and JSON. */
#define CF_MESSAGES(X)                                                                             \
    /* ---- reasons ---- */                                                                        \
    X(R_GPU_NEEDED, "gpu_needed",                                                                  \
      "The task needs a GPU: Lambda's functions and Fargate have none, so it runs on GPU "         \
      "instances, with ECS on EC2, ECS Managed Instances or Lambda Managed Instances (container "  \
      "image functions on x86_64).")                                                               \
    X(R_GPU_NONE, "gpu_none", "No GPU is needed, so Lambda and Fargate can both be considered.")   \
    X(R_DURATION_SHORT, "duration_short",                                                          \
      "A {0} s task is well under the {1} s the seed article considers safe on Lambda.")           \
    X(R_DURATION_RISKY, "duration_risky",                                                          \
      "A {0} s task fits Lambda's {1} s timeout but is past the {2} s the seed article considers " \
      "safe: a slow run will time out, and long runs are where Lambda is expensive.")              \
    X(R_DURATION_TOO_LONG, "duration_too_long",                                                    \
      "A {0} s task is longer than Lambda's {1} s timeout; Fargate and EC2 have no time limit.")   \
    X(R_MEMORY_COMFORTABLE, "memory_comfortable",                                                  \
      "{0} MB is within the {1} MB the seed article finds comfortable on Lambda.")                 \
    X(R_MEMORY_LARGE, "memory_large",                                                              \
      "{0} MB is above the {1} MB the seed article finds comfortable on Lambda: Lambda can go to " \
      "{2} MB, but a container is the usual home for large-memory work.")                          \
    X(R_MEMORY_OVER_LAMBDA, "memory_over_lambda",                                                  \
      "{0} MB is more than Lambda's {1} MB maximum; Fargate goes to {2} GB.")                      \
    X(R_MEMORY_OVER_FARGATE, "memory_over_fargate",                                                \
      "{0} MB is more than Lambda's {1} MB and Fargate's {2} GB: only an EC2 instance holds it.")  \
    X(R_VCPU_OVER_FARGATE, "vcpu_over_fargate",                                                    \
      "{0} vCPU is more than Lambda's {1} and Fargate's {2}.")                                     \
    X(R_VCPU_OVER_LAMBDA, "vcpu_over_lambda",                                                      \
      "{0} vCPU is more than Lambda's {1}; Fargate offers up to {2}.")                             \
    X(R_VCPU_FITS, "vcpu_fits",                                                                    \
      "{0} vCPU ({1?as given|what Lambda gives this memory}) fits Lambda and Fargate.")            \
    X(R_STORAGE_OVER_FARGATE, "storage_over_fargate",                                              \
      "{0} MB of scratch storage is more than Lambda's {1} MB and Fargate's {2} GB.")              \
    X(R_STORAGE_OVER_LAMBDA, "storage_over_lambda",                                                \
      "{0} MB of scratch storage is more than Lambda's {1} MB of /tmp; Fargate offers up to {2} "  \
      "GB.")                                                                                       \
    X(R_STORAGE_FITS, "storage_fits", "{0} MB of scratch storage fits every platform.")            \
    X(R_CONCURRENCY_OVER, "concurrency_over",                                                      \
      "About {0:.0f} invocations run at once (rate x duration), more than Lambda's default {1} "   \
      "concurrent executions; the quota can be raised, so ask AWS before ruling Lambda out.")      \
    X(R_CONCURRENCY_OK, "concurrency_ok",                                                          \
      "About {0:.3g} invocations run at once (rate x duration), within Lambda's default {1} "      \
      "concurrent executions.")                                                                    \
    X(R_RATE_HIGH, "rate_high",                                                                    \
      "At {0:.3g} invocations per second (the seed article's threshold is {1}), an always-on "     \
      "container that handles requests in one process may beat paying per invocation.")            \
    X(R_RATE_INFREQUENT, "rate_infrequent",                                                        \
      "At {0:.3g} invocations per hour (at most {1} is 'a few'), paying per invocation beats "     \
      "keeping a container running.")                                                              \
    X(R_RATE_NEUTRAL, "rate_neutral",                                                              \
      "At {0:.3g} invocations per hour the rate alone does not decide; the costs do.")             \
    X(R_TRIGGER_EVENT, "trigger_event",                                                            \
      "Lambda integrates natively with {0} events; Fargate needs a poller or a bridge to start "   \
      "tasks from them.")                                                                          \
    X(R_TRIGGER_PLAIN, "trigger_plain",                                                            \
      "A {0} start needs no event integration, so no platform has an edge here.")                  \
    X(R_TRIGGER_NONE, "trigger_none",                                                              \
      "No trigger was given, so event integration was not weighed.")                               \
    X(R_SPOT_ADVISOR, "spot_advisor",                                                              \
      "On Spot, ECS on EC2 would run on {0}, which saved {1:.0f}% against on demand in {2} over "  \
      "the past month; {3} of its instances were interrupted in a month (EC2 Spot Instance "       \
      "Advisor).")                                                                                 \
    X(R_SPOT_NO_ADVICE, "spot_no_advice",                                                          \
      "The EC2 Spot Instance Advisor has no saving or interruption band for the instance type "    \
      "ECS on EC2 would run on; its Spot price, if any, is the model's discount.")                 \
    X(R_COLD_START_UNSEEN, "cold_start_unseen",                                                    \
      "Nobody waits on the result, so Lambda's {0}-{1} s cold starts do not matter.")              \
    X(R_COLD_START_MOSTLY_COLD, "cold_start_mostly_cold",                                          \
      "A user waits, and with {0:.3g} invocations per {1} s idle window most will hit a {2}-{3} "  \
      "s "                                                                                         \
      "cold start; an always-on container has none.")                                              \
    X(R_COLD_START_MOSTLY_WARM, "cold_start_mostly_warm",                                          \
      "A user waits, but {0:.3g} invocations per {1} s keep Lambda mostly warm; requests that "    \
      "arrive while it scales out still see {2}-{3} s cold starts.")                               \
    X(R_LATENCY_NONE, "latency_none",                                                              \
      "No latency budget was set (latency_sensitive is not true), so how fast each option starts " \
      "was not weighed.")                                                                          \
    X(R_LATENCY_BUDGET, "latency_budget_set",                                                      \
      "Requests may wait at most {0} s before their work starts: a Lambda cold start takes {1} s " \
      "(its INIT), a per-job Fargate task {2} s to start and a per-job GPU instance {3} s to "     \
      "boot; what starts slower is shown but not recommended.")                                    \
    X(R_TEAM_SOLO, "team_solo",                                                                    \
      "With one engineer, operational work weighs {0}x: about {1} h a month for Fargate against "  \
      "{2} h for Lambda ({3?it is priced into each option's total|give engineer_hourly_usd to "    \
      "price it into the totals}).")                                                               \
    X(R_TEAM_SHARED, "team_shared",                                                                \
      "With {0} engineers the upkeep of containers (about {1} h a month for Fargate against {2} "  \
      "h "                                                                                         \
      "for Lambda) is shared and pays off for regular work ({3?it is priced into each option's "   \
      "total|give engineer_hourly_usd to price it into the totals}).")                             \
    X(R_TEAM_UNKNOWN, "team_unknown",                                                              \
      "Team size was not given: operational effort (about {0} h a month for Fargate against {1} "  \
      "h "                                                                                         \
      "for Lambda) is not weighted for a team of one ({2?it is priced into each option's "         \
      "total|give engineer_hourly_usd to price it into the totals}).")                             \
    X(R_COST_ONLY, "cost_only",                                                                    \
      "{0} is the only option that can run this task, at ${1:.2f} a month.")                       \
    X(R_COST_CHEAPEST, "cost_cheapest",                                                            \
      "{0} is the cheapest at ${1:.2f} a month; next is {2} at ${3:.2f} ({4:.1f}x).")              \
    X(R_COST_SIMPLER, "cost_simpler",                                                              \
      "{2} costs less, ${3:.2f} a month against ${1:.2f} for {0}, but by less than the model's "   \
      "{4}x margin of error, so {0}, with less upkeep, is recommended; give engineer_hourly_usd "  \
      "to price the upkeep into the totals.")                                                      \
    X(R_MOOT, "moot", "{0} ({1} cannot run this task, so this does not decide.)")                  \
    X(R_SEED_AGREES, "seed_agrees",                                                                \
      "The seed article's decision tree (GPU -> EC2; 10+ minutes, more than 3 GB or 100+/s -> "    \
      "Fargate; else Lambda) also picks {0}.")                                                     \
    X(R_SEED_AGREES_MANAGED, "seed_agrees_managed",                                                \
      "The seed article's decision tree (GPU -> EC2; 10+ minutes, more than 3 GB or 100+/s -> "    \
      "Fargate; else Lambda) picks {0}, and {1} runs the task on EC2 instances too, managed by "   \
      "AWS.")                                                                                      \
    X(R_SEED_DISAGREES, "seed_disagrees",                                                          \
      "The seed article's decision tree (GPU -> EC2; 10+ minutes, more than 3 GB or 100+/s -> "    \
      "Fargate; else Lambda) would pick {0}, but {1} costs less here: confidence is lowered.")     \
    X(R_COMMITMENT_CHANGES_WINNER, "commitment_changes_winner",                                    \
      "The {0} Savings Plan ({1}-year, {2}) changes the winner: {3} costs ${4:.2f} a month "       \
      "under it, while at on-demand prices {5} would win at ${6:.2f} a month.")                    \
    X(R_COMMITMENT_SAME_WINNER, "commitment_same_winner",                                          \
      "The {0} Savings Plan ({1}-year, {2}) does not change the winner: {3} costs ${4:.2f} a "     \
      "month under it, ${5:.2f} at on-demand prices.")                                             \
    /* ---- warnings ---- */                                                                       \
    X(W_PINNED_MEMORY, "pinned_memory",                                                            \
      "The pinned Fargate task has {0} GB of memory, less than the {1} MB the task needs; it was " \
      "priced as pinned.")                                                                         \
    X(W_PINNED_VCPU, "pinned_vcpu",                                                                \
      "The pinned Fargate task has {0} vCPU, less than the {1} the task {2?needs|gets on "         \
      "Lambda}; "                                                                                  \
      "it was priced as pinned.")                                                                  \
    X(W_FREE_TIER_ACCOUNT, "free_tier_account",                                                    \
      "The Lambda free tier is per account and shared by every function: it was subtracted as if " \
      "this task were the account's only Lambda use.")                                             \
    X(W_EBS_NOT_INCLUDED, "ebs_not_included",                                                      \
      "EBS storage for the EC2 instances (ECS on EC2, ECS or Lambda Managed Instances) is not "    \
      "included in their price.")                                                                  \
    X(W_LAMBDA_SCALING, "lambda_scaling",                                                          \
      "Lambda adds at most {0} execution environments every 10 s: from cold, reaching {1:.0f} "    \
      "concurrent executions takes {2:.0f} s, and requests are throttled meanwhile.")              \
    X(W_LAMBDA_QUOTA, "lambda_quota",                                                              \
      "About {0:.0f} Lambda executions run at once, above the default quota of {1} concurrent "    \
      "executions per Region: ask AWS for an increase through Service Quotas before launch.")      \
    X(W_FARGATE_QUOTA, "fargate_quota",                                                            \
      "Fargate keeps about {0:.3g} vCPUs running, above the default quota of {1} On-Demand "       \
      "vCPUs per Region: ask AWS for an increase through Service Quotas.")                         \
    X(W_CPU_INFERENCE, "cpu_inference",                                                            \
      "A {0}-billion-parameter model is placed on CPU ({1}): make sure the {2} s duration was "    \
      "measured on CPU, where such a model runs far slower than on a GPU.")                        \
    X(W_SPOT_FEED, "spot_feed",                                                                    \
      "Fargate Spot is priced at AWS's published Spot rates, which change over time; Spot "        \
      "capacity can be reclaimed at two minutes' notice.")                                         \
    X(W_SPOT_ADVISOR, "spot_advisor_estimate",                                                     \
      "EC2 Spot is priced at the saving the EC2 Spot Instance Advisor reports for the instance "   \
      "type over the past month, an estimate: Spot prices move, and Spot capacity can be "         \
      "reclaimed at two minutes' notice.")                                                         \
    X(W_SPOT_INTERRUPTION, "spot_interruption",                                                    \
      "A {0:.3g} h job on Spot {1} would be interrupted with a chance of up to {4:.2g}% ({2} of "  \
      "its instances are reclaimed in a month; taken as {3:.0f}%): checkpoint the work, or run "   \
      "it on demand.")                                                                             \
    X(W_SPOT_ESTIMATE, "spot_estimate",                                                            \
      "Spot prices are estimates: the Price List publishes no Spot rates, so a discount of {0}% "  \
      "(Fargate) or {1}% (EC2) was applied; Spot capacity can be reclaimed at two minutes' "       \
      "notice.")                                                                                   \
    X(W_MANAGEMENT_FEE_ESTIMATE, "management_fee_estimate",                                        \
      "The {0} management fee is taken as {1:.3g}% of each instance's on-demand rate, an "         \
      "estimate: AWS prices it per instance type, and the Price List files read here do not "      \
      "carry it.")                                                                                 \
    X(W_LAMBDA_MANAGED_ENVIRONMENTS, "lambda_managed_environments",                                \
      "About {0:.0f} execution environments are needed, more than the {1} a Lambda Managed "       \
      "Instances function may scale to: split the work across functions.")                         \
    X(W_PLAN_SHARED, "plan_shared",                                                                \
      "The plan's tasks share one Application Load Balancer and one NAT gateway, as one VPC's "    \
      "would: {0} ALB-hours and {1} NAT gateway-hours the tasks were priced with alone come off "  \
      "the total; each task was placed as if it paid its own.")                                    \
    X(W_PLAN_FREE_TIER, "plan_free_tier",                                                          \
      "The Lambda free tier was taken once for the whole plan, from its Lambda tasks in order; "   \
      "each task was placed without it.")                                                          \
    X(W_PLAN_OPERATIONS, "plan_operations",                                                        \
      "Each task was placed as if its platform's operational effort were its own; the plan "       \
      "counts each platform's effort once.")                                                       \
    X(W_COMMITMENT_NO_RATES, "commitment_no_rates",                                                \
      "The rates table has no {0} Savings Plans rates ({1}-year, {2}) for {3}: every price "       \
      "here is on-demand.")                                                                        \
    X(W_COMMITMENT_HOURLY, "commitment_hourly",                                                    \
      "The Savings Plans prices assume a commitment of about ${0:.4g} an hour for a {1}-year "     \
      "term, used in full every hour: hours with less usage still pay the commitment, and usage "  \
      "above it pays on-demand rates.")                                                            \
    X(W_COMMITMENT_UPFRONT, "commitment_upfront",                                                  \
      "The upfront payment is counted spread over the term's {0} months, as the Savings Plans "    \
      "rates include it.")                                                                         \
    /* ---- blocked limits ---- */                                                                 \
    X(B_NO_RATES, "no_rates", "The rates table has no {0} rates for {1}.")                         \
    X(B_NO_GPU, "no_gpu", "{0} has no GPUs, and this task needs one.")                             \
    X(B_LAMBDA_DURATION, "lambda_duration",                                                        \
      "A task of {0} s is longer than Lambda's {1} s timeout.")                                    \
    X(B_LAMBDA_MEMORY, "lambda_memory", "{0} MB of memory is more than Lambda's {1} MB maximum.")  \
    X(B_LAMBDA_VCPU, "lambda_vcpu",                                                                \
      "{0} vCPU is more than Lambda's {1} vCPU at its largest size.")                              \
    X(B_LAMBDA_EPHEMERAL, "lambda_ephemeral",                                                      \
      "{0} MB of scratch storage is more than Lambda's {1} MB of /tmp.")                           \
    X(B_FARGATE_VCPU, "fargate_vcpu", "{0} vCPU is more than Fargate's largest task ({1} vCPU).")  \
    X(B_FARGATE_MEMORY, "fargate_memory",                                                          \
      "{0} MB of memory is more than Fargate's largest task ({1} GB).")                            \
    X(B_FARGATE_EPHEMERAL, "fargate_ephemeral",                                                    \
      "{0} MB of scratch storage is more than Fargate's {1} GB of ephemeral storage.")             \
    X(B_NO_GPU_INSTANCE, "no_gpu_instance",                                                        \
      "No {6} GPU instance type in {0} has {1} GB of GPU memory{7? on one GPU|} ({2} GB with "     \
      "{3}% headroom), {4} GB of memory{5? and the vCPUs asked for|}.")                            \
    X(B_NO_INSTANCE, "no_instance",                                                                \
      "No {0} instance type in {1} has {2:.4g} vCPU and {3:.4g} GB of memory for the task, with "  \
      "{4:.0f}% of its memory kept for the OS and the {5} agent.")                                 \
    X(B_LAMBDA_MANAGED_DURATION, "lambda_managed_duration",                                        \
      "A task of {0} s is longer than the {1} s Lambda Managed Instances allow {2?a synchronous "  \
      "call (an HTTP trigger)|a call, invoked asynchronously or through an event source "          \
      "mapping}.")                                                                                 \
    X(B_LAMBDA_MANAGED_MEMORY, "lambda_managed_memory",                                            \
      "{0} MB of memory is more than the {1} MB of a Lambda Managed Instances execution "          \
      "environment.")                                                                              \
    X(B_LAMBDA_MANAGED_VCPU, "lambda_managed_vcpu",                                                \
      "{0} vCPU is more than the {1} vCPU of a Lambda Managed Instances execution environment.")   \
    X(B_LAMBDA_MANAGED_GPU_ARCH, "lambda_managed_gpu_arch",                                        \
      "Lambda Managed Instances give GPUs to x86_64 functions only, and this task is pinned to "   \
      "arm64.")                                                                                    \
    X(B_LAMBDA_MANAGED_ACCELERATOR, "lambda_managed_accelerator",                                  \
      "The task needs {0:.4g} GB of GPU memory ({1:.4g} GB with {2:.0f}% headroom) on one GPU, "   \
      "more than the {3} GB of accelerator memory a Lambda Managed Instances execution "           \
      "environment can ask for.")                                                                  \
    X(B_MODEL_MEMORY, "model_memory",                                                              \
      "The model's weights need {0:.0f} MB ({1} billion parameters in {2} with overhead), more "   \
      "than {3}'s {4} MB maximum.")                                                                \
    X(B_LATENCY, "latency_budget",                                                                 \
      "{0} cannot start the work within the {1} s latency budget: its quickest start takes {2} "   \
      "s.")                                                                                        \
    /* ---- notes on a priced variant ---- */                                                      \
    X(N_FARGATE_SIZE_SHARE, "fargate_size_share",                                                  \
      "{0} vCPU / {1} GB: the valid Fargate size nearest to the {2:.3g} vCPU Lambda gives {3} "    \
      "MB; give vcpu to size it yourself.")                                                        \
    X(N_FARGATE_SIZE_VCPU, "fargate_size_vcpu",                                                    \
      "{0} vCPU / {1} GB: the cheapest valid Fargate size with the {2} vCPU and {3} MB asked "     \
      "for.")                                                                                      \
    X(N_FLEET_UTILISATION, "fleet_utilisation",                                                    \
      "{0:.0f} {1} for {2:.3g} requests in progress on average, {3} at a time each: {4:.0f}% "     \
      "busy, within the {5:.0f}% target.")                                                         \
    X(N_FLEET_WAIT, "fleet_wait",                                                                  \
      "{0:.0f} {1} for {2:.3g} requests in progress on average, {3} at a time each, so that at "   \
      "most {4:.1f}% of requests find every slot busy (Erlang C, {5:.1f}% now).")                  \
    X(N_SHARDED, "sharded",                                                                        \
      "The model needs {0:.3g} GB of GPU memory, more than one {1:.3g} GB GPU: it is sharded "     \
      "across {2:.0f} of the instance's {3:.0f} GPUs (tensor parallelism).")                       \
    X(N_EC2_PACKING, "ec2_packing",                                                                \
      "{1:.0f} {4} fit on one {2}: the {0:.0f} {4} run on {3:.0f} of them.")                       \
    X(N_MIN_INSTANCES, "min_instances",                                                            \
      "{0} keeps at least {1:.0f} instances running, one per Availability Zone, where {2:.0f} "    \
      "would hold the load.")                                                                      \
    X(N_MANAGEMENT_FEE, "management_fee",                                                          \
      "{0} adds a management fee of {1:.3g}% of the {2}'s on-demand rate, ${3:.4g} an "            \
      "instance-hour, whatever the instance itself is bought at.")                                 \
    X(N_LAMBDA_MANAGED_ENVIRONMENT, "lambda_managed_environment",                                  \
      "Each execution environment has {0} MB and {1:.3g} vCPU ({2:.3g} GB per vCPU) and serves "   \
      "calls {3} at a time.")                                                                      \
    X(N_LAMBDA_MANAGED_GPU, "lambda_managed_gpu",                                                  \
      "Each execution environment has a GPU with at least {0:.3g} GB of memory "                   \
      "(AcceleratorConfig): "                                                                      \
      "the function must be a container image on x86_64.")                                         \
    X(N_LAMBDA_MANAGED_ASYNC, "lambda_managed_async",                                              \
      "A {0} s call is longer than the {1} s a synchronous call may run: on Lambda Managed "       \
      "Instances it runs for up to {2} s only when invoked asynchronously or through an event "    \
      "source mapping.")                                                                           \
    X(N_SPOT_ADVISOR, "spot_advisor_note",                                                         \
      "On Spot, {0} saved {1:.0f}% against on demand in {2} over the past month, and {3} of its "  \
      "instances were interrupted in a month (EC2 Spot Instance Advisor).")                        \
    X(N_HOST_MEMORY, "host_memory",                                                                \
      "{0:.3g} GB of the instance's {1:.3g} GB are usable by {4}: {2:.0f}% is kept for the OS "    \
      "and the {3} agent.")                                                                        \
    X(W_BILL_UNPRICED, "bill_unpriced",                                                            \
      "Not priced: {0}, as the rates table has no {1} rates for {2}; the totals leave it out.")    \
    X(W_NO_FUNCTION_URL, "no_function_url",                                                        \
      "Lambda offers no function URLs in {0}: HTTP calls to functions are priced through API "     \
      "Gateway's HTTP APIs instead.")                                                              \
    X(W_FRONT_DOOR_TIMEOUT, "front_door_timeout",                                                  \
      "A {0} s request is longer than {1} holds a request ({2} s): answer at once and finish "     \
      "the work asynchronously, or pick another front door.")                                      \
    X(W_ALB_IDLE_TIMEOUT, "alb_idle_timeout",                                                      \
      "A {0} s request is longer than an Application Load Balancer's default idle timeout of "     \
      "{1} s: raise the load balancer's idle timeout, or answer at once and finish the work "      \
      "asynchronously.")                                                                           \
    X(N_PROVISIONED_OVERFLOW, "provisioned_overflow",                                              \
      "With {0} environments warm and {1:.3g} calls in progress on average while they are, "       \
      "{2:.2g}% of calls would find them all busy and run on demand, cold (Erlang B); like "       \
      "AWS's examples, every call is priced as provisioned.")                                      \
    X(N_COLD_STARTS, "cold_starts",                                                                \
      "About {0:.3g} of {1:.3g} invocations a month start cold ({2:.3g}%), each billed {3} ms "    \
      "of INIT and waiting for it.")                                                               \
    X(N_BILL_FUNCTION_URL, "bill_function_url",                                                    \
      "A function URL answers HTTP without charge of its own: each call is one of Lambda's "       \
      "requests.")                                                                                 \
    X(N_BILL_API_GATEWAY, "bill_api_gateway",                                                      \
      "API Gateway {0?HTTP|REST} API requests, at its monthly tiers (priced as if this task's "    \
      "{1:.4g} requests were the account's only ones in the region).")                             \
    X(N_BILL_ALB_HOURS, "bill_alb_hours",                                                          \
      "One Application Load Balancer for the whole fleet, every hour of the month{0? (API "        \
      "Gateway reaches the tasks through a VPC link to it)|}.")                                    \
    X(N_BILL_ALB_LCU, "bill_alb_lcu",                                                              \
      "{0:.3g} LCU on average, the largest of {1:.3g} for new connections ({2} a second "          \
      "each), {3:.3g} for active connections ({4} each) and {5:.3g} for processed bytes ({6} "     \
      "GB an hour each, {7} bytes a request).")                                                    \
    X(N_BILL_PUBLIC_IPV4, "bill_public_ipv4",                                                      \
      "One public IPv4 address for each running task or instance, billed by the hour whether "     \
      "idle or in use (since February 2024).")                                                     \
    X(N_BILL_NAT_HOURS, "bill_nat_hours",                                                          \
      "{0} NAT gateway{1?s|} every hour of the month for the tasks' egress; the tasks hold no "    \
      "public address.")                                                                           \
    X(N_BILL_NAT_GB, "bill_nat_gb",                                                                \
      "{0:.4g} GB a month of egress processed by the NAT gateway (the request's "                  \
      "egress_gb_per_month).")                                                                     \
    X(N_BILL_LOGS_INGESTED, "bill_logs_ingested",                                                  \
      "{0} bytes of logs per invocation ingested into CloudWatch Logs (standard class).")          \
    X(N_BILL_LOGS_STORED, "bill_logs_stored",                                                      \
      "Kept {0} days: about {1:.4g} GB stored at any time, taken at its ingested size "            \
      "(CloudWatch bills the compressed size, so this is an upper bound).")                        \
    /* ---- descriptions of a priced variant ---- */                                               \
    X(D_TITLE, "title", "{0}")                                                                     \
    X(D_LAMBDA, "lambda", "Lambda ({0}, {1} MB)")                                                  \
    X(D_LAMBDA_PROVISIONED, "lambda_provisioned",                                                  \
      "Lambda ({0}, {1} MB, {2} provisioned environment{3?s|})")                                   \
    X(D_FARGATE_ALWAYS_ON, "fargate_always_on",                                                    \
      "Fargate ({0} always-on {1} task{2?s|} of {3} vCPU / {4} GB{5? on Spot|})")                  \
    X(D_FARGATE_PER_JOB, "fargate_per_job",                                                        \
      "Fargate (per-job {0} tasks of {1} vCPU / {2} GB{3? on Spot|})")                             \
    X(D_EC2_ALWAYS_ON, "ec2_always_on", "{3} ({0} always-on {1}{2? on Spot|})")                    \
    X(D_EC2_PER_JOB, "ec2_per_job", "{2} ({0} per job{1? on Spot|})")                              \
    X(D_LAMBDA_MANAGED, "lambda_managed",                                                          \
      "Lambda Managed Instances ({0} {1}, {2} MB environments{3? with a GPU|})")                   \
    /* ---- summaries ---- */                                                                      \
    X(S_CHEAPEST, "cheapest",                                                                      \
      "{0} is the cheapest option that can run this task, at ${1:.2f} a month against ${2:.2f} "   \
      "for {3}.")                                                                                  \
    X(S_CHEAPEST_NOT_SEED, "cheapest_not_seed",                                                    \
      "{0} is the cheapest option that can run this task, at ${1:.2f} a month against ${2:.2f} "   \
      "for {3}. The seed article's rules of thumb would pick {4}.")                                \
    X(S_SIMPLER, "simpler",                                                                        \
      "{0} is recommended at ${1:.2f} a month: {3} costs ${2:.2f}, less, but within the model's "  \
      "margin of error, for more upkeep.")                                                         \
    X(S_ONLY, "only", "{0} is the only option that can run this task, at ${1:.2f} a month.")       \
    X(S_ONLY_NOT_SEED, "only_not_seed",                                                            \
      "{0} is the only option that can run this task, at ${1:.2f} a month. The seed article's "    \
      "rules of thumb would pick {2}.")                                                            \
    X(S_PLAN_RUN, "plan_run", "Run ")                                                              \
    X(S_PLAN_GROUP, "plan_group", "{0} on {1}; ")                                                  \
    X(S_LIST_COMMA, "list_comma", ", ")                                                            \
    X(S_LIST_AND, "list_and", " and ")                                                             \
    X(S_PLAN_TOTAL, "plan_total", "${0:.2f} a month in total.")                                    \
    /* ---- break-even ---- */                                                                     \
    X(E_SIDE_ALWAYS_ON, "side_always_on", "always-on {0}")                                         \
    X(E_SIDE_PER_JOB, "side_per_job", "per-job {0}")                                               \
    X(E_RIVAL_ALWAYS_ON, "rival_always_on", "{0} always-on")                                       \
    X(E_RIVAL_PER_JOB, "rival_per_job", "{0} per-job")                                             \
    X(E_NEVER_RUNS, "never_runs", "No break-even: {0} cannot run this workload at any rate. {1}")  \
    X(E_PINNED_MODE, "pinned_mode",                                                                \
      "No break-even: the request pins {0} to another mode than {1}.")                             \
    X(E_TOO_SLOW, "too_slow",                                                                      \
      "No break-even: {0} cannot start the work within the {1} s latency budget.")                 \
    X(E_NO_CROSSING, "no_crossing",                                                                \
      "No break-even: {0} is cheaper at every rate from {1} to {2} invocations a month.")          \
    /* ---- errors ---- */                                                                         \
    X(X_INFEASIBLE, "infeasible", "no platform can run this task:")                                \
    X(X_INFEASIBLE_PLATFORM, "infeasible_platform", " {0}: {1}")                                   \
    X(X_NO_SIZE_FITS, "no_size_fits", "no size fits.")

enum msg_code {
#define CF_MSG_ENUM(code, name, template) code,
    CF_MESSAGES(CF_MSG_ENUM)
#undef CF_MSG_ENUM
        MSG_COUNT
};

#define MSG_ARGS_MAX 8

enum msg_arg_kind { MSG_ARG_NUM = 1, MSG_ARG_STR, MSG_ARG_MSG };

struct message;

struct msg_arg {
    enum msg_arg_kind kind;
    double num;
    const char *str;           /* borrowed: static, or owned by the answer's arena */
    const struct message *msg; /* borrowed likewise */
};

struct message {
    enum msg_code code;
    unsigned n_args;
    struct msg_arg args[MSG_ARGS_MAX];
};

/* Builds a message. `kinds` has one letter per argument that follows: 'n' a double, 's' a
 * const char * (borrowed; NULL reads as ""), 'm' a const struct message * (borrowed). More than
 * MSG_ARGS_MAX arguments, or another letter, is a programming error and aborts. */
struct message msg_make(enum msg_code code, const char *kinds, ...);

/* Writes the message's text into buf (capacity cap > 0), NUL-terminated, cut at a UTF-8
 * character boundary when it does not fit. Returns the length written. A placeholder naming an
 * argument the message does not have is left empty. */
size_t msg_format(const struct message *m, char *buf, size_t cap);

/* Appends the text to buf[*len..cap), as msg_format() does, and advances *len. */
void msg_append(const struct message *m, char *buf, size_t cap, size_t *len);

/* Whether the code is a warning's (W_*): a note with such a code is also a warning when its
 * variant is the one recommended. */
bool msg_is_warning(enum msg_code code);

/* Returns the code's machine name ("duration_short"), or "" for an unknown code. */
const char *msg_code_name(enum msg_code code);

/* Returns the code's template, or "" for an unknown code. */
const char *msg_template(enum msg_code code);

/* Checks a template against the placeholder rules in the comment at the top; returns true when
 * it is well formed, else false with a sentence in why[0..why_cap). */
bool msg_template_ok(const char *template, char *why, size_t why_cap);

#endif
