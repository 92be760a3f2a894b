package dev.envelope.kms.azure;

import com.azure.core.http.HttpPipelineCallContext;
import com.azure.core.http.HttpPipelineNextPolicy;
import com.azure.core.http.HttpPipelineNextSyncPolicy;
import com.azure.core.http.HttpResponse;
import com.azure.core.http.policy.HttpPipelinePolicy;
import dev.envelope.core.spi.CallReference;
import reactor.core.publisher.Mono;

/**
 * Records Key Vault's {@code x-ms-request-id} of each wrap and unwrap for the audit trail (Key
 * Vault's own AuditEvent log carries the same id). The synchronous clients run this on the calling
 * thread, where the KEK call's reference slot is.
 */
final class RequestIdRecorder implements HttpPipelinePolicy {
  static final String HEADER = "x-ms-request-id";

  @Override
  public HttpResponse processSync(
      HttpPipelineCallContext context, HttpPipelineNextSyncPolicy next) {
    HttpResponse response = next.processSync();
    CallReference.record(response.getHeaderValue(HEADER));
    return response;
  }

  @Override
  public Mono<HttpResponse> process(HttpPipelineCallContext context, HttpPipelineNextPolicy next) {
    return next.process()
        .doOnNext(response -> CallReference.record(response.getHeaderValue(HEADER)));
  }
}
