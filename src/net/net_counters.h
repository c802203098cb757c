#pragma once
// The transports' counters, gauge and handling-time histograms, resolved once in the node's
// registry when a net::Server is built (app::Node passes its registry to the Server's
// constructor): the server and its stream connections move these on their hot paths, never
// look a name up, and a second node's server moves its own.
#include "ops/counters.h"
#include "ops/gauges.h"
#include "ops/histogram.h"

namespace imsguard::net {

struct NetCounters {
  ops::CounterRegistry& m;  // first: the members below are made from it
  ops::Counter& udp_datagrams = m.get("imsguard_net_udp_datagrams_total", "UDP datagrams received");
  ops::Counter& udp_send_errors = m.get("imsguard_net_udp_send_errors_total", "UDP sends that failed");
  ops::Counter& conn_accepted = m.get("imsguard_net_connections_accepted_total", "stream connections accepted");
  ops::Counter& conn_refused_source = m.get(
      "imsguard_net_connections_refused_total{reason=\"per_source_limit\"}", "stream connections refused");
  ops::Counter& conn_refused_total = m.get("imsguard_net_connections_refused_total{reason=\"total_limit\"}");
  ops::Counter& conn_evicted = m.get("imsguard_net_connections_closed_total{reason=\"evicted\"}");
  ops::Gauge& conn_open = m.gauges().get("imsguard_net_connections_open", "open TCP/TLS connections");
  // Every call into the SIP handler (parse, guards, authentication, routing), per transport.
  ops::Histogram& handling_udp = handling("udp");
  ops::Histogram& handling_tcp = handling("tcp");
  ops::Histogram& handling_tls = handling("tls");

 private:
  ops::Histogram& handling(const char* transport) {
    return m.histograms().get(std::string("imsguard_message_handling_seconds{transport=\"") + transport + "\"}",
                              "time to handle one SIP message (parse, guards, authentication, routing)",
                              ops::message_latency_buckets());
  }
};

struct StreamCounters {
  ops::CounterRegistry& m;  // first: the members below are made from it
  ops::Counter& messages = m.get("imsguard_net_stream_messages_total", "SIP messages framed on TCP/TLS");
  ops::Counter& keepalives = m.get("imsguard_net_stream_keepalives_total", "RFC 5626 CRLF keep-alives");
  ops::Counter& framing_errors = m.get("imsguard_net_stream_framing_errors_total", "stream framing errors (connection closed)");
  ops::Counter& idle_closed = m.get("imsguard_net_connections_closed_total{reason=\"idle\"}", "stream connections closed by us");
  ops::Counter& deadline_closed = m.get("imsguard_net_connections_closed_total{reason=\"message_deadline\"}");
  ops::Counter& first_byte_closed = m.get("imsguard_net_connections_closed_total{reason=\"first_byte_deadline\"}");
  ops::Counter& handshake_closed = m.get("imsguard_net_connections_closed_total{reason=\"tls_handshake_deadline\"}");
  ops::Counter& tls_handshake_failed = m.get("imsguard_net_tls_handshake_failures_total", "TLS handshakes that failed");
  ops::Counter& slow_reader_closed = m.get("imsguard_net_connections_closed_total{reason=\"slow_reader\"}");
  ops::Counter& writes = m.get("imsguard_net_stream_writes_total", "socket writes on TCP/TLS (answers written together count once)");
};

}  // namespace imsguard::net
