/* hive-load.c - throughput of a hive's queue: jobs/s through submit -> claim -> upload ->
 * complete with trivial jobs, N runner clients on loopback (each a thread with its own
 * keep-alive connection) and two submitter threads.  Each job's artifact (a few bytes) goes
 * inline in the completion, as qtm-runner sends artifacts of at most 64 KiB ("artifact":
 * base64, sha256-checked by the hive); HIVE_LOAD_PUT=1 uploads it with its own PUT instead.
 *
 *   hive-load URL OPERATOR_TOKEN RUNNER_TOKEN JOBS RUNNERS
 *
 * Prints one line: "jobs N runners R seconds S jobs_per_s J".  Build:
 *   cc -O2 -o hive-load hive-load.c -lcurl -lcjson -lcrypto -lpthread */
#include <openssl/evp.h>
#include <stdbool.h>
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *url, *op_token, *runner_token;
static int jobs_total;
static bool use_put;
static atomic_int completed, submitted;
static unsigned long long run_id;

struct buf { char *p; size_t n, cap; };

static size_t
on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct buf *b = arg;
	size_t len = size * nmemb;

	if (b->n + len + 1 > b->cap) {
		b->cap = (b->n + len + 1) * 2;
		b->p = realloc(b->p, b->cap);
	}
	memcpy(b->p + b->n, data, len);
	b->n += len;
	b->p[b->n] = '\0';
	return len;
}

/* A client: one keep-alive connection, its header lists and response buffer made once. */
struct client {
	CURL *h;
	struct curl_slist *json, *put;   /* Authorization + Content-Type, or + X-Qtm-Sha256 per upload */
	char auth[256];
	struct buf b;
};

static void
client_init(struct client *c, const char *token)
{
	memset(c, 0, sizeof *c);
	c->h = curl_easy_init();
	/* SIGPIPE is ignored once for the process (main): no sigaction pair per request. */
	curl_easy_setopt(c->h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c->h, CURLOPT_WRITEDATA, &c->b);
	snprintf(c->auth, sizeof c->auth, "Authorization: Bearer %s", token);
	c->json = curl_slist_append(curl_slist_append(NULL, c->auth), "Content-Type: application/json");
}

static void
client_token(struct client *c, const char *token)
{
	curl_slist_free_all(c->json);
	snprintf(c->auth, sizeof c->auth, "Authorization: Bearer %s", token);
	c->json = curl_slist_append(curl_slist_append(NULL, c->auth), "Content-Type: application/json");
}

static void
client_free(struct client *c)
{
	curl_slist_free_all(c->json);
	curl_slist_free_all(c->put);
	curl_easy_cleanup(c->h);
	free(c->b.p);
}

/* One request; returns the HTTP status and the parsed body (or NULL). */
static long
call(struct client *c, const char *method, const char *path, const char *body, size_t len,
    struct curl_slist *headers, cJSON **out)
{
	char u[512];
	long status = 0;

	snprintf(u, sizeof u, "%s%s", url, path);
	c->b.n = 0;
	curl_easy_setopt(c->h, CURLOPT_URL, u);
	curl_easy_setopt(c->h, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c->h, CURLOPT_HTTPHEADER, headers != NULL ? headers : c->json);
	curl_easy_setopt(c->h, CURLOPT_POSTFIELDS, body != NULL ? body : "");
	curl_easy_setopt(c->h, CURLOPT_POSTFIELDSIZE, (long)(body != NULL ? len : 0));
	if (curl_easy_perform(c->h) == CURLE_OK)
		curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &status);
	if (out != NULL)
		*out = c->b.n > 0 ? cJSON_ParseWithLength(c->b.p, c->b.n) : NULL;
	return status;
}

static void
sha256_hex(const void *data, size_t len, char hex[65])
{
	unsigned char md[32];
	unsigned int n;

	EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
	for (int i = 0; i < 32; i++)
		sprintf(hex + 2 * i, "%02x", md[i]);
}

#define SUBMITTERS 2

static void *
submitter(void *arg)
{
	struct client c;
	int first = (int)(intptr_t)arg;

	client_init(&c, op_token);

	for (int i = first; i < jobs_total; i += SUBMITTERS) {
		char id[65], seed[64], body[512];
		long st;

		snprintf(seed, sizeof seed, "%llu-%d", run_id, i);
		sha256_hex(seed, strlen(seed), id);
		snprintf(body, sizeof body, "{\"module\":\"bench\",\"version\":\"1.0\",\"build_id\":\"%s\","
		    "\"priority\":\"medium\",\"estimate_s\":1,\"spec\":{}}", id);
		if ((st = call(&c, "POST", "/jobs/submit", body, strlen(body), NULL, NULL)) != 201) {
			fprintf(stderr, "submit: HTTP %ld\n", st);
			exit(1);
		}
		atomic_fetch_add(&submitted, 1);
	}
	client_free(&c);
	return NULL;
}

static void *
runner(void *arg)
{
	struct client c;
	cJSON *r = NULL;
	char body[512], path[256], hdr[128];
	const char *rid, *secret;
	long st;

	client_init(&c, runner_token);
	snprintf(body, sizeof body, "{\"name\":\"bench-%ld\",\"host\":\"localhost\",\"executor\":\"fleet\","
	    "\"capability\":{\"cores\":2,\"memory_mb\":4096,\"cuda\":false,\"gpus\":0,\"vram_mib\":0}}", (long)(intptr_t)arg);
	if (call(&c, "POST", "/v1/runners/enroll", body, strlen(body), NULL, &r) != 200 || r == NULL) {
		fprintf(stderr, "enroll failed\n");
		exit(1);
	}
	rid = cJSON_GetStringValue(cJSON_GetObjectItem(r, "runner_id"));
	secret = cJSON_GetStringValue(cJSON_GetObjectItem(r, "secret"));
	client_token(&c, secret);
	snprintf(body, sizeof body, "{\"runner_id\":\"%s\"}", rid);
	/* claim, upload, complete (which claims the next job too, as qtm-runner does) */
	cJSON *cur = NULL, *next = NULL;
	while (atomic_load(&completed) < jobs_total) {
		char art[128], sha[65], b64[256], done[768];
		const char *lease, *id;
		double jid;

		if (next == NULL) {
			cJSON_Delete(cur);
			cur = NULL;
			st = call(&c, "POST", "/v1/job/claim", body, strlen(body), NULL, &cur);
			if (st == 204 || cur == NULL) {
				/* Nothing queued yet: back off briefly, as qtm-runner does (from 50 ms). */
				if (st != 204)
					fprintf(stderr, "claim: HTTP %ld\n", st);
				usleep(2000);
				continue;
			}
			next = cur;
		}
		lease = cJSON_GetStringValue(cJSON_GetObjectItem(next, "lease"));
		jid = cJSON_GetNumberValue(cJSON_GetObjectItem(cJSON_GetObjectItem(next, "job"), "id"));
		id = cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(next, "job"), "build_id"));
		snprintf(art, sizeof art, "artifact of %s", id);
		sha256_hex(art, strlen(art), sha);
		if (use_put) {
			snprintf(path, sizeof path, "/v1/artifact/%s?lease=%s", id, lease);
			snprintf(hdr, sizeof hdr, "X-Qtm-Sha256: %s", sha);
			curl_slist_free_all(c.put);
			c.put = curl_slist_append(curl_slist_append(NULL, c.auth), hdr);
			if ((st = call(&c, "PUT", path, art, strlen(art), c.put, NULL)) != 201 && st != 200) {
				fprintf(stderr, "upload: HTTP %ld\n", st);
				exit(1);
			}
			b64[0] = '\0';
		} else {
			/* The bytes travel in the completion (at most 64 KiB): the hive checks their sha256. */
			memcpy(b64, ",\"artifact\":\"", 13);
			EVP_EncodeBlock((unsigned char *)b64 + 13, (const unsigned char *)art, (int)strlen(art));
			strcat(b64, "\"");
		}
		snprintf(path, sizeof path, "/v1/job/%.0f/complete", jid);
		snprintf(done, sizeof done, "{\"lease\":\"%s\",\"sha256\":\"%s\",\"size\":%zu,\"claim\":true%s}", lease,
		    sha, strlen(art), b64);
		cJSON *answer = NULL;
		if ((st = call(&c, "POST", path, done, strlen(done), NULL, &answer)) != 200 || answer == NULL) {
			fprintf(stderr, "complete: HTTP %ld: %s\n", st, c.b.p != NULL ? c.b.p : "");
			exit(1);
		}
		atomic_fetch_add(&completed, 1);
		cJSON_Delete(cur);
		cur = answer;
		next = cJSON_GetObjectItem(answer, "next");
		if (cJSON_IsNull(next))
			next = NULL;
	}
	cJSON_Delete(cur);
	cJSON_Delete(r);
	client_free(&c);
	return NULL;
}

int
main(int argc, char **argv)
{
	struct timespec t0, t1;
	pthread_t sub[SUBMITTERS], *run;
	int runners;
	double s;

	if (argc != 6) {
		fprintf(stderr, "usage: hive-load URL OPERATOR_TOKEN RUNNER_TOKEN JOBS RUNNERS\n");
		return 2;
	}
	url = argv[1];
	op_token = argv[2];
	runner_token = argv[3];
	jobs_total = atoi(argv[4]);
	runners = atoi(argv[5]);
	use_put = getenv("HIVE_LOAD_PUT") != NULL && strcmp(getenv("HIVE_LOAD_PUT"), "1") == 0;
	run_id = (unsigned long long)time(NULL) * 1000003ULL + (unsigned long long)getpid();
	signal(SIGPIPE, SIG_IGN);
	curl_global_init(CURL_GLOBAL_ALL);
	run = calloc((size_t)runners, sizeof *run);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < SUBMITTERS; i++)
		pthread_create(&sub[i], NULL, submitter, (void *)(intptr_t)i);
	for (long i = 0; i < runners; i++)
		pthread_create(&run[i], NULL, runner, (void *)(intptr_t)i);
	for (int i = 0; i < SUBMITTERS; i++)
		pthread_join(sub[i], NULL);
	for (int i = 0; i < runners; i++)
		pthread_join(run[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("jobs %d runners %d seconds %.3f jobs_per_s %.0f\n", jobs_total, runners, s, jobs_total / s);
	free(run);
	return 0;
}
