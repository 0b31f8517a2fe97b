#!/usr/bin/env node
import "../dist/run/service-main.js";
