# One image for every role (filter, api, learner, haraka); the Deployment chooses the command.
# Node 24 LTS, the runtime the scripts install (scripts/node-env.sh); better-sqlite3 13 ships a prebuilt N-API binary.
FROM node:24-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=optional
COPY . .
RUN npm run build && npm prune --omit=dev --omit=optional

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
RUN useradd --system --uid 10001 spamfilter
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/haraka-plugins ./haraka-plugins
COPY --from=build /app/haraka ./haraka
# The starter model (BAYES_STARTER=builtin) is data the filter reads at start, not compiled code.
COPY --from=build /app/libs/bayes/starter ./libs/bayes/starter
USER 10001
EXPOSE 8025 8080 2525 5870
CMD ["node", "dist/apps/filter/src/main.js"]
