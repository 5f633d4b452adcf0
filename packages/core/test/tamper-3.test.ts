import { tamperSuite } from './helpers/tamper-suite.js';

tamperSuite(3, 2500);
