/* rtp_out.c - `sipscope rtp`: one row (or JSON object) per RTP stream. */
#include <inttypes.h>
#include <string.h>

#include "sipscope/escape.h"
#include "sipscope/export.h"

void export_media_problems_json(FILE *out, uint16_t problems)
{
	char probs[96];
	media_problem_names(problems, probs, sizeof probs);
	putc('[', out);
	for (char *p = probs, *q; *p; p = q) {
		q = strchr(p, ',');
		size_t len = q ? (size_t)(q - p) : strlen(p);
		fprintf(out, "%s\"%.*s\"", p == probs ? "" : ",", (int)len, p);
		q = q ? q + 1 : p + len;
	}
	putc(']', out);
}

/* The call (root, 1-based) a stream belongs to, or 0. */
static uint32_t stream_call(const struct tracker *t, const struct media_stream *s)
{
	if (!s->h_call_id)
		return 0;
	uint32_t leg = track_find_call(t, s->h_call_id);
	return leg ? track_call_root(t, leg) : 0;
}

static void json_str(FILE *out, const char *s)
{
	esc_json(out, sv_make(s, strlen(s)));
}

int export_rtp(FILE *out, const struct tracker *t, const struct media *m, enum export_format fmt)
{
	size_t n = media_stream_count(m);
	if (fmt == EXPORT_TABLE)
		fprintf(out, "%-5s %-22s %-22s %-10s %-3s %-16s %7s %12s %8s %8s %8s %5s  %s\n", "CALL", "SOURCE",
		        "DESTINATION", "SSRC", "PT", "CODEC", "PKTS", "LOST", "MAXDELTA", "JIT-MEAN", "JIT-MAX",
		        "MOS", "PROBLEMS");
	else if (fmt == EXPORT_CSV)
		fputs("call,src,dst,ssrc,payload_type,codec,packets,lost,lost_pct,max_delta_ms,jitter_ms_mean,"
		      "jitter_ms_max,mos,problems,start,end,first_frame,dtmf,srtp,srtp_decrypted,srtp_auth_failed\n", out);
	for (size_t i = 0; i < n; i++) {
		const struct media_stream *s = media_stream(m, i);
		uint32_t call = stream_call(t, s);
		char src[64], dst[64], probs[96], cs[16] = "-", dtmf[MEDIA_MAX_DTMF + 1], codec[64];
		esc_term_buf(codec, sizeof codec, sv_make(s->codec, strlen(s->codec)), NULL); /* SDP text */
		store_endpoint_format(&s->src, src, sizeof src);
		store_endpoint_format(&s->dst, dst, sizeof dst);
		media_problem_names(s->problems, probs, sizeof probs);
		if (call)
			snprintf(cs, sizeof cs, "%" PRIu32, call);
		size_t nd = 0;
		for (uint32_t k = 0; k < s->ndtmf; k++)
			dtmf[nd++] = s->dtmf[k].digit;
		dtmf[nd] = '\0';
		double pct = s->expected > 0 ? 100.0 * (double)s->lost / (double)s->expected : 0;
		if (fmt == EXPORT_JSON) {
			fputs("{\"call\":", out);
			if (call)
				fprintf(out, "%" PRIu32, call);
			else
				fputs("null", out);
			fputs(",\"src\":", out);
			json_str(out, src);
			fputs(",\"dst\":", out);
			json_str(out, dst);
			fprintf(out, ",\"ssrc\":\"0x%08" PRIX32 "\",\"payload_type\":%u,\"codec\":", s->ssrc, s->pt);
			json_str(out, s->codec);
			fprintf(out, ",\"clock\":%" PRIu32 ",\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64
			        ",\"expected\":%" PRId64 ",\"lost\":%" PRId64 ",\"lost_pct\":%.2f"
			        ",\"duplicates\":%" PRIu64 ",\"out_of_order\":%" PRIu64 ",\"seq_jumps\":%" PRIu64
			        ",\"max_delta_ms\":%.3f,\"jitter_ms_mean\":%.3f,\"jitter_ms_max\":%.3f,\"mos\":",
			        s->clock, s->packets, s->bytes, s->expected, s->lost, pct, s->duplicates,
			        s->out_of_order, s->seq_jumps, s->delta_ms_max, s->jitter_ms_mean, s->jitter_ms_max);
			if (s->mos > 0)
				fprintf(out, "%.2f", s->mos);
			else
				fputs("null", out);
			fprintf(out, ",\"start\":%" PRId64 ".%06d,\"end\":%" PRId64 ".%06d,\"first_frame\":%" PRIu64
			        ",\"last_frame\":%" PRIu64 ",\"announced\":%s,\"mline\":", s->first_us / 1000000,
			        (int)(s->first_us % 1000000), s->last_us / 1000000, (int)(s->last_us % 1000000),
			        s->first_frame, s->last_frame, s->h_call_id ? "true" : "false");
			if (s->mline)
				fprintf(out, "%u", s->mline);
			else
				fputs("null", out);
			fputs(",\"rtcp\":", out);
			if (s->rtcp_reports) {
				fprintf(out, "{\"reports\":%" PRIu32 ",\"fraction_lost\":%.4f,\"cumulative_lost\":%" PRId32
				        ",\"jitter_ms\":%.3f,\"rtt_ms\":", s->rtcp_reports, s->rtcp_fraction_lost,
				        s->rtcp_cum_lost, s->rtcp_jitter_ms);
				if (s->rtt_ms >= 0)
					fprintf(out, "%.3f}", s->rtt_ms);
				else
					fputs("null}", out);
			} else {
				fputs("null", out);
			}
			fputs(",\"dtmf\":[", out);
			for (uint32_t k = 0; k < s->ndtmf; k++)
				fprintf(out, "%s{\"digit\":\"%c\",\"time\":%" PRId64 ".%06d,\"duration_ms\":%.1f}",
				        k ? "," : "", s->dtmf[k].digit, s->dtmf[k].start_us / 1000000,
				        (int)(s->dtmf[k].start_us % 1000000),
				        s->clock ? s->dtmf[k].duration * 1000.0 / s->clock : 0.0);
			fputs("],\"srtp\":", out);
			if (s->srtp)
				fprintf(out, "{\"state\":\"%s\",\"suite\":\"%s\",\"decrypted\":%" PRIu64
				        ",\"auth_failed\":%" PRIu64 ",\"replayed\":%" PRIu64 ",\"srtcp_decrypted\":%" PRIu64
				        ",\"srtcp_auth_failed\":%" PRIu64 "}", media_srtp_name((enum media_srtp)s->srtp),
				        s->srtp == MEDIA_SRTP_KEYED || s->srtp_ok
				                ? sdp_srtp_suite_name((enum sdp_srtp_suite)s->srtp_suite) : "unknown",
				        s->srtp_ok, s->srtp_auth_fail, s->srtp_replay, s->srtcp_ok, s->srtcp_auth_fail);
			else
				fputs("null", out);
			fputs(",\"problems\":", out);
			export_media_problems_json(out, s->problems);
			fputs("}\n", out);
		} else if (fmt == EXPORT_CSV) {
			char mos[16] = ""; /* empty: no estimate (DTMF events), as JSON's null */
			if (s->mos > 0)
				snprintf(mos, sizeof mos, "%.2f", s->mos);
			fprintf(out, "%s,%s,%s,0x%08" PRIX32 ",%u,%s,%" PRIu64 ",%" PRId64 ",%.2f,%.3f,%.3f,%.3f,%s,\"%s\","
			        "%" PRId64 ".%06d,%" PRId64 ".%06d,%" PRIu64 ",%s,", call ? cs : "", src, dst, s->ssrc,
			        s->pt, codec, s->packets, s->lost, pct, s->delta_ms_max, s->jitter_ms_mean,
			        s->jitter_ms_max, mos, probs, s->first_us / 1000000, (int)(s->first_us % 1000000),
			        s->last_us / 1000000, (int)(s->last_us % 1000000), s->first_frame, dtmf);
			/* srtp: empty for plain RTP, else its state and counts */
			if (s->srtp)
				fprintf(out, "%s,%" PRIu64 ",%" PRIu64 "\n", media_srtp_name((enum media_srtp)s->srtp),
				        s->srtp_ok, s->srtp_auth_fail);
			else
				fputs(",,\n", out);
		} else {
			char lost[32];
			snprintf(lost, sizeof lost, "%" PRId64 " (%.1f%%)", s->lost, pct);
			char mos[16] = "-";
			if (s->mos > 0)
				snprintf(mos, sizeof mos, "%.2f", s->mos);
			fprintf(out, "%-5s %-22s %-22s 0x%08" PRIX32 " %-3u %-16s %7" PRIu64 " %12s %8.2f %8.2f %8.2f %5s  %s",
			        cs, src, dst, s->ssrc, s->pt, codec, s->packets, lost, s->delta_ms_max,
			        s->jitter_ms_mean, s->jitter_ms_max, mos, probs[0] ? probs : "-");
			if (nd)
				fprintf(out, "  DTMF %s", dtmf);
			char srtp[96];
			media_srtp_text(s, srtp, sizeof srtp);
			if (srtp[0])
				fprintf(out, "  %s", srtp);
			putc('\n', out);
		}
	}
	if (fmt == EXPORT_TABLE) {
		const struct media_stats *st = media_stats(m);
		fprintf(out, "%zu stream%s; %" PRIu64 " RTP and %" PRIu64 " RTCP packets\n", n, n == 1 ? "" : "s",
		        st->rtp, st->rtcp);
		if (st->srtp_ok || st->srtp_auth_fail || st->srtp_no_key || st->srtcp_ok || st->srtcp_no_key ||
		    st->srtcp_auth_fail)
			fprintf(out, "SRTP: %" PRIu64 " decrypted, %" PRIu64 " auth failed, %" PRIu64 " replayed, %" PRIu64
			        " without a key; SRTCP: %" PRIu64 " decrypted, %" PRIu64 " auth failed, %" PRIu64
			        " without a key\n", st->srtp_ok, st->srtp_auth_fail, st->srtp_replay, st->srtp_no_key,
			        st->srtcp_ok, st->srtcp_auth_fail, st->srtcp_no_key);
	}
	return 0;
}
