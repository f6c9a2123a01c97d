// Generated from openapi.yaml by scripts/generate.mjs. Do not edit: change openapi.yaml and run `pnpm generate`.

/** The API's name and version (openapi.yaml `info`). */
export const apiInfo = {
  "title": "Sequin Consume API (open implementation)",
  "version": "0.1.0"
} as const;

/** One path of the spec: its path parameters, and per method the query parameters it declares. */
export interface ApiRoute {
  path: string;
  pathParams: readonly string[];
  methods: Readonly<Record<string, readonly string[]>>;
}

/** Every path of openapi.yaml. */
export const apiRoutes: readonly ApiRoute[] = [
  {
    "path": "/",
    "pathParams": [],
    "methods": {
      "GET": []
    }
  },
  {
    "path": "/health",
    "pathParams": [],
    "methods": {
      "GET": []
    }
  },
  {
    "path": "/v1/streams",
    "pathParams": [],
    "methods": {
      "GET": [
        "cursor",
        "limit"
      ],
      "POST": []
    }
  },
  {
    "path": "/v1/streams/{stream_id}",
    "pathParams": [
      "stream_id"
    ],
    "methods": {
      "GET": [],
      "DELETE": []
    }
  },
  {
    "path": "/v1/streams/{stream_id}/records",
    "pathParams": [
      "stream_id"
    ],
    "methods": {
      "GET": [
        "cursor",
        "limit",
        "collection_id"
      ],
      "POST": []
    }
  },
  {
    "path": "/v1/streams/{stream_id}/events",
    "pathParams": [
      "stream_id"
    ],
    "methods": {
      "GET": [
        "cursor",
        "limit",
        "collection_id"
      ],
      "POST": []
    }
  },
  {
    "path": "/v1/streams/{stream_id}/stats",
    "pathParams": [
      "stream_id"
    ],
    "methods": {
      "GET": []
    }
  },
  {
    "path": "/v1/http-consumers",
    "pathParams": [],
    "methods": {
      "GET": [
        "cursor",
        "limit",
        "stream_id"
      ],
      "POST": []
    }
  },
  {
    "path": "/v1/http-consumers/{consumer}",
    "pathParams": [
      "consumer"
    ],
    "methods": {
      "GET": [],
      "DELETE": [],
      "PATCH": []
    }
  },
  {
    "path": "/v1/http-consumers/{consumer}/next",
    "pathParams": [
      "consumer"
    ],
    "methods": {
      "GET": [
        "batch_size",
        "wait_for"
      ],
      "POST": [
        "batch_size",
        "wait_for"
      ]
    }
  },
  {
    "path": "/v1/http-consumers/{consumer}/ack",
    "pathParams": [
      "consumer"
    ],
    "methods": {
      "POST": []
    }
  },
  {
    "path": "/v1/http-consumers/{consumer}/nack",
    "pathParams": [
      "consumer"
    ],
    "methods": {
      "POST": []
    }
  },
  {
    "path": "/v1/http-consumers/{consumer}/term",
    "pathParams": [
      "consumer"
    ],
    "methods": {
      "POST": []
    }
  },
  {
    "path": "/v1/http-consumers/{consumer}/rewind",
    "pathParams": [
      "consumer"
    ],
    "methods": {
      "POST": []
    }
  },
  {
    "path": "/v1/http-consumers/{consumer}/extend",
    "pathParams": [
      "consumer"
    ],
    "methods": {
      "POST": []
    }
  },
  {
    "path": "/v1/http-consumers/{consumer}/dead-letters",
    "pathParams": [
      "consumer"
    ],
    "methods": {
      "GET": [
        "cursor",
        "limit"
      ]
    }
  },
  {
    "path": "/v1/http-consumers/{consumer}/dead-letters/redrive",
    "pathParams": [
      "consumer"
    ],
    "methods": {
      "POST": []
    }
  },
  {
    "path": "/v1/http-consumers/{consumer}/messages",
    "pathParams": [
      "consumer"
    ],
    "methods": {
      "GET": [
        "limit"
      ]
    }
  },
  {
    "path": "/v1/mutations/run",
    "pathParams": [],
    "methods": {
      "POST": []
    }
  }
];
